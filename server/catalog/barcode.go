package catalog

// ValidGTIN reports whether code is a GTIN-8, -12 (UPC-A), -13 (EAN-13) or
// -14 with a correct check digit: the barcodes printed on retail packs.
func ValidGTIN(code string) bool {
	switch len(code) {
	case 8, 12, 13, 14:
	default:
		return false
	}
	sum := 0
	// Weights alternate 3,1,3,... from the digit left of the check digit.
	for i := len(code) - 2; i >= 0; i-- {
		d := int(code[i] - '0')
		if d < 0 || d > 9 {
			return false
		}
		if (len(code)-2-i)%2 == 0 {
			d *= 3
		}
		sum += d
	}
	check := int(code[len(code)-1] - '0')
	return check >= 0 && check <= 9 && (10-sum%10)%10 == check
}

// ValidEAN13 reports whether code is an EAN-13 with a correct check digit.
func ValidEAN13(code string) bool { return len(code) == 13 && ValidGTIN(code) }
