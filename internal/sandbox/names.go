package sandbox

// Name pools for Generate: "native|romanised" so emails stay ASCII while
// names keep their scripts and punctuation (李, Müller, Ольга, O'Brien).
type culture struct {
	weight  int
	first   []string
	last    []string
	domains []string
}

var cultures = []culture{
	{30, // English-speaking
		[]string{"James|james", "Mary|mary", "John|john", "Patricia|patricia", "Robert|robert", "Jennifer|jennifer", "Michael|michael", "Linda|linda", "William|william", "Elizabeth|elizabeth", "Mary-Kate|marykate", "JoAnn|joann"},
		[]string{"Smith|smith", "Johnson|johnson", "O'Brien|obrien", "Williams|williams", "Brown|brown", "Jones|jones", "McDonald|mcdonald", "Garcia-Lopez|garcialopez", "van der Berg|vanderberg", "St. John|stjohn"},
		[]string{"example.com", "example.org", "mail.example.net"}},
	{12, // German
		[]string{"Jürgen|juergen", "Anna-Lena|annalena", "Günther|guenther", "Sophie|sophie", "Lukas|lukas", "Käthe|kaethe", "Maximilian|maximilian"},
		[]string{"Müller|mueller", "Schmidt|schmidt", "Schröder|schroeder", "Weiß|weiss", "Groß|gross", "Bäcker|baecker", "von Habsburg|vonhabsburg"},
		[]string{"example.de", "beispiel.example"}},
	{8, // Russian
		[]string{"Ольга|olga", "Иван|ivan", "Сергей|sergey", "Наталья|natalya", "Дмитрий|dmitry", "Анастасия|anastasia"},
		[]string{"Иванова|ivanova", "Петров|petrov", "Смирнова|smirnova", "Кузнецов|kuznetsov", "Соколова|sokolova"},
		[]string{"example.ru", "pochta.example"}},
	{10, // Chinese
		[]string{"伟|wei", "芳|fang", "秀英|xiuying", "娜|na", "敏|min", "静|jing", "强|qiang"},
		[]string{"李|li", "王|wang", "张|zhang", "刘|liu", "陈|chen", "杨|yang", "欧阳|ouyang"},
		[]string{"example.cn", "qq.example"}},
	{6, // Japanese
		[]string{"翔太|shota", "さくら|sakura", "陽菜|hina", "大翔|hiroto"},
		[]string{"佐藤|sato", "鈴木|suzuki", "高橋|takahashi", "田中|tanaka"},
		[]string{"example.jp"}},
	{8, // Spanish / Portuguese
		[]string{"José|jose", "María|maria", "Íñigo|inigo", "João|joao", "Lucía|lucia"},
		[]string{"García|garcia", "Núñez|nunez", "Peña|pena", "de la Cruz|delacruz", "Gonçalves|goncalves"},
		[]string{"example.es", "example.com.br"}},
	{6, // French / Irish
		[]string{"Zoë|zoe", "François|francois", "Hélène|helene", "Siobhán|siobhan", "Seán|sean"},
		[]string{"Lefèvre|lefevre", "D'Arcy|darcy", "Ní Bhriain|nibhriain", "Mac Giolla|macgiolla"},
		[]string{"example.fr", "example.ie"}},
	{4, // Arabic, Greek, Korean
		[]string{"محمد|mohammed", "فاطمة|fatima", "Γιώργος|giorgos", "민준|minjun"},
		[]string{"العلي|alali", "Παπαδόπουλος|papadopoulos", "김|kim"},
		[]string{"example.ae", "example.gr", "example.kr"}},
	{6, // Indian
		[]string{"Aarav|aarav", "Priya|priya", "Ananya|ananya", "Vihaan|vihaan"},
		[]string{"Sharma|sharma", "Patel|patel", "Iyer|iyer", "Reddy|reddy"},
		[]string{"example.in"}},
}

type place struct {
	cc     string
	weight int
	cities []string
	postal func(n int) string
}

var places = []place{
	{"US", 45, []string{"Austin", "New York", "San Francisco", "Chicago", "Boston", "Seattle"}, func(n int) string { return pad(n%99999+1, 5) }},
	{"CA", 10, []string{"Toronto", "Montréal", "Vancouver", "Calgary"}, func(n int) string {
		return string(rune('A'+n%20)) + "1" + string(rune('A'+n%23)) + " " + "2" + string(rune('B'+n%19)) + "3"
	}},
	{"AU", 8, []string{"Sydney", "Melbourne", "Brisbane", "Perth"}, func(n int) string { return pad(n%8999+1000, 4) }},
	{"GB", 8, []string{"London", "Manchester", "Edinburgh", "Cardiff"}, func(n int) string { return "SW1A " + pad(n%9+1, 1) + "AA" }},
	{"DE", 8, []string{"Berlin", "München", "Köln", "Hamburg"}, func(n int) string { return pad(n%89999+10000, 5) }},
	{"FR", 5, []string{"Paris", "Lyon", "Marseille"}, func(n int) string { return pad(n%89999+10000, 5) }},
	{"JP", 5, []string{"東京", "大阪", "Kyoto"}, func(n int) string { return pad(n%899+100, 3) + "-" + pad(n%9999, 4) }},
	{"CN", 4, []string{"北京", "上海", "Shenzhen"}, func(n int) string { return pad(n%899999+100000, 6) }},
	{"RU", 3, []string{"Москва", "Санкт-Петербург"}, func(n int) string { return pad(n%899999+100000, 6) }},
	{"IE", 2, []string{"Dublin", "Cork"}, func(n int) string { return "D0" + pad(n%9+1, 1) + " X" + pad(n%999, 3) }},
	{"HK", 2, []string{"Hong Kong", "Kowloon"}, func(int) string { return "" }},
}

var streets = []string{"Main St", "High Street", "Oak Avenue", "Hauptstraße", "Rue de la Paix", "Calle Mayor", "King's Road", "Elm St.", "ул. Ленина", "中山路"}

var attrDefs = []struct{ name, typ string }{
	{"Loyalty Tier", "string"}, {"Lifetime Value", "number"}, {"Birthday", "date"}, {"Preferred Store", "string"},
	{"Shoe Size", "number"}, {"Last Survey", "date"}, {"Referral Code", "string"}, {"Newsletter Segment", "string"},
	{"Credit Limit", "number"}, {"Anniversary", "date"}, {"Account Manager", "string"}, {"Region Code", "string"},
}

func pad(n, width int) string {
	s := itoa(n)
	for len(s) < width {
		s = "0" + s
	}
	return s
}
