// Package pictures says which picture each demo product gets: an emoji of
// OpenMoji (https://openmoji.org, CC BY-SA 4.0) that fits it, on a soft
// background of its category's colour. The pictures themselves are files
// in this directory, made by the generator in gen/ from OpenMoji's SVGs
// (see gen/main.go to make them again) and embedded into the binary by
// package seed; ATTRIBUTION.md and LICENSE say whose they are.
package pictures

import (
	"embed"
	"image/color"
	"strings"
)

// FS holds the pictures, by File name. (The generator rewrites them in
// place: the package needs them to build.)
//
//go:embed *.jpg
var FS embed.FS

// Category is a demo category's pictures: its background colour, the emoji
// of a product whose title has one of the keywords (the first rule that
// matches), and the emoji of the others.
type Category struct {
	Name       string // as in the demo catalogue
	Slug       string // in file names
	Background color.RGBA
	Rules      []Rule
	Default    string
}

// The emoji are chosen among those oksvg draws right: a few OpenMoji SVGs
// (the red apple, the dumpling, the bagel, the mango, the leafy green, the
// garlic, the broom, ...) use arcs it gets wrong, and are left out.

// Rule gives products whose title contains any of Keywords the emoji
// Emoji (its OpenMoji file name: the code point(s) in upper-case hex).
type Rule struct {
	Keywords []string
	Emoji    string
}

func r(emoji string, keywords ...string) Rule { return Rule{Keywords: keywords, Emoji: emoji} }

// Categories are the demo's categories with their pictures.
var Categories = []Category{
	{"乳品", "dairy", color.RGBA{0xe8, 0xf1, 0xfb, 0xff}, []Rule{
		r("1F9C0", "奶酪", "芝士"), r("1F965", "椰"), r("1F33E", "燕麦"), r("1F36E", "酸奶", "酸牛奶", "鲜酪乳"),
	}, "1F95B"},
	{"饮料", "drinks", color.RGBA{0xe4, 0xf6, 0xf2, 0xff}, []Rule{
		r("1F9CB", "奶茶"), r("1F964", "可乐", "Cola", "Pepsi", "芬达"), r("2615", "咖啡"), r("1F4A7", "饮用天然水", "纯净水"),
		r("1F34B", "柠檬"), r("1F34A", "橙"), r("1F965", "椰"), r("1F351", "白桃"), r("1F375", "茶", "乌龙"),
		r("26A1", "红牛", "功能饮料"),
	}, "1F9C3"},
	{"零食", "snacks", color.RGBA{0xfd, 0xf0, 0xdc, 0xff}, []Rule{
		r("1F36B", "巧克力"), r("1F35F", "薯片"), r("1F36A", "饼干", "曲奇"), r("1F95C", "坚果", "瓜子", "夏威夷果"),
		r("1F953", "猪肉脯"), r("1F358", "仙贝", "虾片"), r("1F336", "辣条"), r("1F36C", "糖"), r("1F351", "芒果"),
		r("1F357", "凤爪"),
	}, "1F37F"},
	{"方便速食", "instant", color.RGBA{0xfc, 0xeb, 0xe3, 0xff}, []Rule{
		r("1F372", "火锅"), r("1F35B", "米饭"), r("1F961", "水饺", "馄饨"), r("1F361", "汤圆"), r("1F96B", "罐头", "午餐肉", "鲜味汁"),
	}, "1F35C"},
	{"粮油调味", "pantry", color.RGBA{0xf7, 0xf1, 0xdd, 0xff}, []Rule{
		r("1FAD2", "油"), r("1F35A", "米"), r("1F336", "辣椒"), r("1F9C2", "鸡精", "盐", "十三香", "糖"),
		r("1F33E", "小麦粉", "挂面"),
	}, "1FAD9"},
	{"水果", "fruit", color.RGBA{0xfd, 0xe8, 0xea, 0xff}, []Rule{
		r("1F95D", "奇异果"), r("1F34F", "苹果"), r("1F34C", "香蕉"), r("1F34A", "橙", "柑"), r("1F352", "车厘子"),
		r("1F353", "草莓"), r("1F347", "提"), r("1F349", "西瓜"), r("1F951", "牛油果"), r("1F34D", "凤梨"),
		r("1F351", "芒果"), r("1F350", "梨"), r("1FAD0", "蓝莓"), r("1F348", "哈密瓜", "榴莲"), r("1F351", "火龙果"),
	}, "1F34F"},
	{"蔬菜", "vegetables", color.RGBA{0xe9, 0xf5, 0xe1, 0xff}, []Rule{
		r("1F966", "西兰花"), r("1F345", "番茄"), r("1F9C5", "洋葱", "葱"), r("1F954", "土豆"), r("1F955", "胡萝卜"),
		r("1F383", "金瓜"), r("1FADB", "黄瓜"), r("1F344", "菇"), r("1F360", "山药"), r("1F9C5", "大蒜"), r("1FADA", "姜"),
	}, "1F33F"},
	{"肉禽蛋", "meat-eggs", color.RGBA{0xfb, 0xe6, 0xe1, 0xff}, []Rule{
		r("1F95A", "蛋"), r("1F32D", "火腿肠"), r("1F357", "鸡"), r("1F953", "猪", "五花", "排"),
	}, "1F969"},
	{"冷冻食品", "frozen", color.RGBA{0xe3, 0xee, 0xfa, 0xff}, []Rule{
		r("1F366", "冰淇淋", "雪糕"), r("1F99E", "小龙虾"), r("1F961", "饺", "包"), r("1F362", "丸"), r("1F990", "虾"),
		r("1F41F", "三文鱼"),
	}, "1F9CA"},
	{"面包烘焙", "bakery", color.RGBA{0xfa, 0xee, 0xe0, 0xff}, []Rule{
		r("1F950", "牛角包", "可颂"), r("1F369", "贝果"), r("1F370", "月饼"), r("1F961", "小笼包"), r("1F361", "青团"),
		r("1F36F", "蜂蜜"), r("1F36A", "饼干"), r("1F370", "芝士", "蛋糕", "糕点", "肉松饼"),
	}, "1F35E"},
	{"个人护理", "personal-care", color.RGBA{0xf1, 0xea, 0xfa, 0xff}, []Rule{
		r("1F9FC", "香皂"), r("1FAA5", "牙"), r("1F9FB", "纸", "卫生巾"), r("1FA92", "剃须"),
	}, "1F9F4"},
	{"家居清洁", "household", color.RGBA{0xe6, 0xf3, 0xf5, 0xff}, []Rule{
		r("1FA79", "创可贴"), r("1F50B", "电池"), r("1FAA5", "牙线"), r("1F9FC", "皂"), r("1F9FA", "洗衣", "凝珠", "护理剂"),
		r("1FAE7", "洗洁精"), r("1F9FD", "厨房", "百洁布"), r("1F9FB", "纸"), r("1F5D1", "垃圾袋"), r("1F6BD", "马桶"),
	}, "1F9FD"},
}

// For names the picture file of a product of the named category with
// title ("" for a category with no pictures).
func For(category, title string) string {
	for _, c := range Categories {
		if c.Name != category {
			continue
		}
		return File(c, Emoji(c, title))
	}
	return ""
}

// Emoji is the emoji a product of category c with title gets.
func Emoji(c Category, title string) string {
	for _, rule := range c.Rules {
		for _, k := range rule.Keywords {
			if strings.Contains(title, k) {
				return rule.Emoji
			}
		}
	}
	return c.Default
}

// File is the file name of emoji's picture in category c.
func File(c Category, emoji string) string { return c.Slug + "-" + emoji + ".jpg" }

// Size is the side of every picture, in pixels.
const Size = 480
