package tupu

// The vocabulary of the graph: the kinds an entity can be and the predicates
// a relation can use. The seed loader and the mutations refuse anything not
// listed here, so a typo in curated data fails loudly instead of creating a
// new, unqueryable kind or predicate.

// Kind is what an entity is. The constant's value is its GraphQL enum name.
type Kind string

// The six kinds the service is about have GraphQL types of their own; the
// others are served as OtherEntity with their kind.
const (
	KindDistrict      Kind = "DISTRICT"
	KindPark          Kind = "PARK"
	KindCompany       Kind = "COMPANY"
	KindLab           Kind = "LAB"
	KindTalentProgram Kind = "TALENT_PROGRAM"
	KindCounty        Kind = "COUNTY"

	KindCity           Kind = "CITY"
	KindRegion         Kind = "REGION"
	KindPlace          Kind = "PLACE"
	KindUniversity     Kind = "UNIVERSITY"
	KindInstitute      Kind = "INSTITUTE"
	KindGovernmentBody Kind = "GOVERNMENT_BODY"
	KindAlliance       Kind = "ALLIANCE"
	KindOrganization   Kind = "ORGANIZATION"
	KindPolicy         Kind = "POLICY"
	KindProgram        Kind = "PROGRAM"
	KindPlatform       Kind = "PLATFORM"
	KindProject        Kind = "PROJECT"
	KindRailLine       Kind = "RAIL_LINE"
	KindRoad           Kind = "ROAD"
	KindRenewalProject Kind = "RENEWAL_PROJECT"
	KindRiverProject   Kind = "RIVER_PROJECT"
	KindAidProject     Kind = "AID_PROJECT"
	KindBrand          Kind = "BRAND"
	KindProduct        Kind = "PRODUCT"
	KindIndustry       Kind = "INDUSTRY"
	KindPublication    Kind = "PUBLICATION"
	KindAward          Kind = "AWARD"
	KindMarket         Kind = "MARKET"
)

// KindInfo describes a kind for people: the docs, the catalogue, errors.
type KindInfo struct {
	Kind  Kind
	Label string // Chinese
	About string // English
}

// Kinds lists every kind, in the order the GraphQL enum declares them.
var Kinds = []KindInfo{
	{KindDistrict, "区", "a district of a city, such as 渝北区"},
	{KindPark, "园区", "an industrial park, zone or park-like project (前沿科技城, 仙桃数据谷, 智汇园)"},
	{KindCompany, "企业", "a company or business group"},
	{KindLab, "实验室", "a laboratory, joint or not"},
	{KindTalentProgram, "人才计划", "a program that attracts, funds or trains talent"},
	{KindCounty, "县", "a county"},
	{KindCity, "市", "a city or municipality (重庆市)"},
	{KindRegion, "区域", "a planning region or city cluster (一区, 两群, 主城都市区)"},
	{KindPlace, "地方", "a named place that is none of the above (a township, an area)"},
	{KindUniversity, "大学", "a university"},
	{KindInstitute, "研究机构", "a research institute or academy"},
	{KindGovernmentBody, "政府部门", "a government department or commission"},
	{KindAlliance, "联盟", "an alliance or association of organizations"},
	{KindOrganization, "机构", "any other organization"},
	{KindPolicy, "政策", "a policy document or measure"},
	{KindProgram, "计划", "a program, plan or list that is not about talent"},
	{KindPlatform, "平台", "a shared platform (innovation, logistics, trade)"},
	{KindProject, "项目", "a project or initiative"},
	{KindRailLine, "轨道线", "a rail or metro line, or a section of one"},
	{KindRoad, "道路", "a road, expressway or interchange"},
	{KindRenewalProject, "城市更新项目", "an urban renewal area or project"},
	{KindRiverProject, "河道治理工程", "a river improvement project"},
	{KindAidProject, "援建项目", "a project built or funded as aid to a partner"},
	{KindBrand, "品牌", "a brand"},
	{KindProduct, "产品", "a product or system"},
	{KindIndustry, "产业", "an industry"},
	{KindPublication, "出版物", "a report or other publication"},
	{KindAward, "奖项", "an award"},
	{KindMarket, "市场", "a market or listing board"},
}

// Predicate names a relation, read subject → object.
type Predicate string

// PredicateInfo describes a predicate: how to read it in both languages.
type PredicateInfo struct {
	Predicate Predicate
	Label     string // Chinese, subject → object
	About     string // English, subject → object
}

// Predicates used by the named GraphQL relations.
const (
	PredLocatedIn  Predicate = "located_in"
	PredPartOf     Predicate = "part_of"
	PredHosts      Predicate = "hosts"
	PredBuilt      Predicate = "built"
	PredPartnerOf  Predicate = "partner_of"
	PredRuns       Predicate = "runs"
	PredDrawsOn    Predicate = "draws_on"
	PredPairedWith Predicate = "paired_with"
)

// Predicates lists every predicate the graph may use.
var Predicates = []PredicateInfo{
	{PredLocatedIn, "位于", "subject is located in object (a park in a district, a company in a district)"},
	{PredPartOf, "属于", "subject is part of object (a district of a region, a section of a line)"},
	{PredHosts, "集聚/入驻", "subject (a park) hosts object (a company, lab, project or platform)"},
	{PredBuilt, "建设/成立", "subject built or set up object (a lab, project, platform, company)"},
	{PredPartnerOf, "合作方", "subject is a partner in object (a joint lab, a platform)"},
	{PredRuns, "实施/设立", "subject runs object (a district runs a program, a project)"},
	{PredDrawsOn, "依托", "subject draws on object (a district relies on a program it does not run)"},
	{PredPairedWith, "对口协同", "subject is paired with object for coordinated development"},
	{"subsidiary_of", "下属", "subject is a subsidiary or unit of object"},
	{"issued", "出台/发布", "subject issued object (a policy, a report)"},
	{"founded", "牵头成立", "subject founded or led the founding of object"},
	{"member_of", "成员", "subject is a member of object"},
	{"aids", "援建/帮扶", "subject aids object (builds or funds it for a partner)"},
	{"promotes", "宣传推介", "subject promotes object (a brand, products)"},
	{"brand_of", "品牌归属", "subject is a brand of object"},
	{"developed", "研发/独创", "subject developed object (a product, a system)"},
	{"in_industry", "所属产业", "subject belongs to object, an industry"},
	{"connects", "连接", "subject (a road, a line) connects object (a place)"},
	{"listed_on", "挂牌/入选", "subject is listed on object (a board, a list)"},
	{"selected_for", "入选", "subject was selected for object (a program, an honour)"},
}

// KindByName returns the kind with the given enum name and whether it exists.
func KindByName(name string) (Kind, bool) {
	for _, k := range Kinds {
		if string(k.Kind) == name {
			return k.Kind, true
		}
	}
	return "", false
}

// PredicateByName returns the predicate with the given name and whether it exists.
func PredicateByName(name string) (Predicate, bool) {
	for _, p := range Predicates {
		if string(p.Predicate) == name {
			return p.Predicate, true
		}
	}
	return "", false
}
