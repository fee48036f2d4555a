package synth

import (
	"strings"
	"unicode"
)

// syllable is one Chinese character used in names, with the pinyin
// (without tones) that English names and aliases are built from.
type syllable struct{ han, pinyin string }

// syllables are the characters names are drawn from: common in the names
// of places, parks and companies. Each has one reading, the usual one in
// names.
var syllables = []syllable{
	{"泽", "ze"}, {"川", "chuan"}, {"华", "hua"}, {"云", "yun"}, {"海", "hai"}, {"星", "xing"},
	{"瑞", "rui"}, {"恒", "heng"}, {"嘉", "jia"}, {"宇", "yu"}, {"博", "bo"}, {"信", "xin"},
	{"达", "da"}, {"凯", "kai"}, {"锦", "jin"}, {"鸿", "hong"}, {"盛", "sheng"}, {"安", "an"},
	{"丰", "feng"}, {"源", "yuan"}, {"新", "xin"}, {"泰", "tai"}, {"和", "he"}, {"明", "ming"},
	{"天", "tian"}, {"金", "jin"}, {"银", "yin"}, {"光", "guang"}, {"远", "yuan"}, {"景", "jing"},
	{"创", "chuang"}, {"智", "zhi"}, {"科", "ke"}, {"益", "yi"}, {"卓", "zhuo"}, {"越", "yue"},
	{"昌", "chang"}, {"汇", "hui"}, {"通", "tong"}, {"联", "lian"}, {"腾", "teng"}, {"飞", "fei"},
	{"龙", "long"}, {"凤", "feng"}, {"江", "jiang"}, {"山", "shan"}, {"林", "lin"}, {"峰", "feng"},
	{"石", "shi"}, {"桥", "qiao"}, {"溪", "xi"}, {"湖", "hu"}, {"松", "song"}, {"竹", "zhu"},
	{"兰", "lan"}, {"梅", "mei"}, {"青", "qing"}, {"碧", "bi"}, {"翠", "cui"}, {"宁", "ning"},
	{"康", "kang"}, {"庆", "qing"}, {"福", "fu"}, {"祥", "xiang"}, {"荣", "rong"}, {"兴", "xing"},
	{"旺", "wang"}, {"元", "yuan"}, {"永", "yong"}, {"立", "li"}, {"中", "zhong"}, {"东", "dong"},
	{"南", "nan"}, {"西", "xi"}, {"北", "bei"}, {"德", "de"}, {"仁", "ren"}, {"义", "yi"},
	{"诚", "cheng"}, {"启", "qi"}, {"航", "hang"}, {"铭", "ming"}, {"晨", "chen"}, {"辉", "hui"},
	{"耀", "yao"}, {"睿", "rui"}, {"思", "si"}, {"维", "wei"}, {"灵", "ling"}, {"芯", "xin"},
	{"微", "wei"}, {"渝", "yu"}, {"蓉", "rong"}, {"黔", "qian"}, {"湘", "xiang"}, {"滨", "bin"},
}

// namer hands out distinct syllable strings: the i-th call of name(i)
// for distinct i < space gives distinct strings, spread over the space
// by an affine permutation chosen from the seed, so that consecutive
// entities do not get consecutive names.
type namer struct {
	width int    // syllables per name
	space uint64 // len(syllables)^width
	mul   uint64 // coprime with space
	add   uint64
}

// newNamer returns a namer with at least room distinct names of at least
// minWidth syllables.
func newNamer(room int, minWidth int, r *rng) namer {
	n := namer{width: minWidth, space: 1}
	for range minWidth {
		n.space *= uint64(len(syllables))
	}
	for n.space < uint64(room) {
		n.width++
		n.space *= uint64(len(syllables))
	}
	for {
		n.mul = r.u64() % n.space
		if gcd(n.mul, n.space) == 1 {
			break
		}
	}
	n.add = r.u64() % n.space
	return n
}

// name returns the i-th name: its characters and its pinyin, each
// syllable capitalized (Zechuan).
func (n namer) name(i int) (han, pinyin string) {
	v := (uint64(i)*n.mul + n.add) % n.space
	var h, p strings.Builder
	for k := 0; k < n.width; k++ {
		s := syllables[v%uint64(len(syllables))]
		v /= uint64(len(syllables))
		h.WriteString(s.han)
		if k == 0 {
			p.WriteString(capitalize(s.pinyin))
		} else {
			p.WriteString(s.pinyin)
		}
	}
	return h.String(), p.String()
}

func gcd(a, b uint64) uint64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	r[0] = unicode.ToUpper(r[0])
	return string(r)
}

// parkTypes are the endings of park names.
var parkTypes = []struct{ han, en string }{
	{"科技城", "Science and Technology City"},
	{"数据谷", "Data Valley"},
	{"产业园", "Industrial Park"},
	{"智慧园", "Smart Park"},
	{"软件园", "Software Park"},
	{"工业园", "Industrial Zone"},
	{"创新港", "Innovation Harbour"},
	{"临空经济区", "Airport Economic Zone"},
	{"物流园", "Logistics Park"},
}

// industries are what companies do.
var industries = []struct{ han, en string }{
	{"科技", "Technology"},
	{"智能科技", "Intelligent Technology"},
	{"电子", "Electronics"},
	{"信息技术", "Information Technology"},
	{"新能源", "New Energy"},
	{"生物医药", "Biopharma"},
	{"汽车", "Automotive"},
	{"精密制造", "Precision Manufacturing"},
	{"通信", "Communications"},
	{"软件", "Software"},
	{"半导体", "Semiconductor"},
	{"数据", "Data"},
}

// labTopics are what joint labs work on.
var labTopics = []struct{ han, en string }{
	{"智能座舱", "Smart Cockpit"},
	{"车联网与智慧交通", "Connected Vehicles and Smart Transport"},
	{"应用处理器与雷达技术", "Application Processor and Radar Technology"},
	{"人工智能", "Artificial Intelligence"},
	{"集成电路设计", "Integrated Circuit Design"},
	{"5G通信", "5G Communications"},
	{"工业互联网", "Industrial Internet"},
	{"大数据", "Big Data"},
	{"新能源汽车", "New Energy Vehicles"},
	{"生物医药", "Biomedicine"},
	{"智能制造", "Intelligent Manufacturing"},
	{"物联网", "Internet of Things"},
	{"信息安全", "Information Security"},
	{"新型显示", "New Display"},
}

// universityTypes are the endings of university names.
var universityTypes = []struct{ han, short, en string }{
	{"大学", "大", "University"},
	{"理工大学", "理工", "University of Technology"},
	{"邮电大学", "邮电", "University of Posts and Telecommunications"},
	{"科技大学", "科大", "University of Science and Technology"},
	{"交通大学", "交大", "Jiaotong University"},
	{"师范大学", "师大", "Normal University"},
}

// talentPrograms are the endings of district talent programs.
var talentPrograms = []struct{ han, en string }{
	{"英才计划", "Talent Plan"},
	{"人才专项", "Talent Special Programme"},
	{"青年人才计划", "Young Talent Plan"},
	{"英才培育引进计划", "Talent Cultivation and Recruitment Plan"},
}

// Multinational partners: a name from a prefix and a suffix, in English
// and transliterated, with a country.
var (
	foreignPrefixes = []struct{ en, han string }{
		{"Qua", "夸"}, {"Vel", "维"}, {"Lumi", "卢米"}, {"Nor", "诺"}, {"Sol", "索"}, {"Ar", "阿"},
		{"Kel", "凯"}, {"Tex", "德"}, {"Ori", "奥"}, {"Zen", "禅"}, {"Mira", "米拉"}, {"Bel", "贝"},
		{"Cor", "科"}, {"Dyna", "戴纳"}, {"Ever", "艾维"}, {"Gala", "嘉拉"}, {"Hel", "赫"}, {"Ion", "艾恩"},
		{"Lyra", "莱拉"}, {"Nex", "耐克斯"},
	}
	foreignSuffixes = []struct{ en, han string }{
		{"tronix", "创尼"}, {"com", "康"}, {"tek", "泰克"}, {"lab", "莱博"}, {"soft", "软"}, {"gen", "根"},
		{"nova", "诺华"}, {"sys", "赛斯"}, {"wave", "威夫"}, {"chip", "芯"}, {"link", "林克"}, {"data", "达塔"},
		{"vision", "视界"}, {"motion", "莫深"}, {"cell", "赛尔"},
	}
	countries = []struct{ han, en string }{
		{"美国", "US"}, {"日本", "Japan"}, {"德国", "Germany"}, {"英国", "UK"}, {"法国", "France"},
		{"韩国", "Korea"}, {"荷兰", "Netherlands"}, {"瑞士", "Switzerland"},
	}
)
