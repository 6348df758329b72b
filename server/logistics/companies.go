package logistics

import (
	"regexp"
	"strings"
)

// Company is an express company staff may ship with: its id in WeChat's
// delivery list (get_delivery_list; what upload_shipping_info's
// express_company takes), its name, and its code at Kuaidi100.
type Company struct {
	ID   string
	Name string
	// Kuaidi100 is the company's `com` code at Kuaidi100 (lower case).
	Kuaidi100 string
	// NeedsPhone is set for companies that show a parcel's track only to
	// whoever knows the receiver's phone (SF, ZTO).
	NeedsPhone bool
	number     *regexp.Regexp
}

// companies are the express companies wemart accepts. A tracking number
// must have its company's shape (after Normalize); the shapes are what the
// companies issue today and used to, no stricter.
var companies = []Company{
	{ID: "SF", Name: "顺丰速运", Kuaidi100: "shunfeng", NeedsPhone: true,
		number: regexp.MustCompile(`^(SF\d{12,13}|\d{12})$`)},
	{ID: "ZTO", Name: "中通快递", Kuaidi100: "zhongtong", NeedsPhone: true,
		number: regexp.MustCompile(`^\d{12,15}$`)},
	{ID: "YTO", Name: "圆通速递", Kuaidi100: "yuantong",
		number: regexp.MustCompile(`^YT\d{10,17}$`)},
	{ID: "YD", Name: "韵达快递", Kuaidi100: "yunda",
		number: regexp.MustCompile(`^\d{13,15}$`)},
	{ID: "STO", Name: "申通快递", Kuaidi100: "shentong",
		number: regexp.MustCompile(`^\d{12,15}$`)},
	{ID: "JD", Name: "京东物流", Kuaidi100: "jd",
		number: regexp.MustCompile(`^JD[A-Z0-9]{11,18}$`)},
	{ID: "EMS", Name: "中国邮政EMS", Kuaidi100: "ems",
		number: regexp.MustCompile(`^([A-Z]{2}\d{9}[A-Z]{2}|\d{13})$`)},
	{ID: "JTSD", Name: "极兔速递", Kuaidi100: "jtexpress",
		number: regexp.MustCompile(`^JT\d{10,15}$`)},
	{ID: "DBL", Name: "德邦快递", Kuaidi100: "debangkuaidi",
		number: regexp.MustCompile(`^(DPK\d{9,15}|\d{8,12})$`)},
}

// Companies lists the express companies wemart accepts, in a fixed order.
func Companies() []Company { return append([]Company(nil), companies...) }

// CompanyByID is the express company with WeChat's id.
func CompanyByID(id string) (Company, bool) {
	for _, c := range companies {
		if c.ID == id {
			return c, true
		}
	}
	return Company{}, false
}

// companyByKuaidi100 is the express company with Kuaidi100's code com.
func companyByKuaidi100(com string) (Company, bool) {
	com = strings.ToLower(com)
	for _, c := range companies {
		if c.Kuaidi100 == com {
			return c, true
		}
	}
	return Company{}, false
}

// Normalize is a tracking number as typed or scanned, trimmed and in upper
// case.
func Normalize(no string) string { return strings.ToUpper(strings.TrimSpace(no)) }

// ValidNumber reports whether no (normalized) has the shape of c's
// tracking numbers.
func (c Company) ValidNumber(no string) bool { return c.number != nil && c.number.MatchString(no) }
