package vsandbox

import (
	"strconv"
	"strings"
)

// Pools for Generate. Names are "native|romanised" so that emails stay
// ASCII while names keep their scripts and punctuation.

var firstNames = []string{"James|james", "Mary|mary", "John|john", "Patricia|patricia", "Mary-Kate|marykate",
	"Jürgen|juergen", "Anna-Lena|annalena", "Käthe|kaethe", "Ольга|olga", "Иван|ivan", "伟|wei", "秀英|xiuying",
	"翔太|shota", "さくら|sakura", "José|jose", "Íñigo|inigo", "João|joao", "Zoë|zoe", "François|francois",
	"Siobhán|siobhan", "Agnieszka|agnieszka", "Łukasz|lukasz", "محمد|mohammed", "Γιώργος|giorgos", "민준|minjun",
	"Aarav|aarav", "Priya|priya"}

var lastNames = []string{"Smith|smith", "O'Brien|obrien", "McDonald|mcdonald", "Garcia-Lopez|garcialopez",
	"van der Berg|vanderberg", "Müller|mueller", "Schröder|schroeder", "Weiß|weiss", "Иванова|ivanova",
	"Кузнецов|kuznetsov", "李|li", "欧阳|ouyang", "佐藤|sato", "García|garcia", "de la Cruz|delacruz",
	"Gonçalves|goncalves", "Lefèvre|lefevre", "D'Arcy|darcy", "Wiśniewska|wisniewska", "Brzęczyszczykiewicz|brzeczyszczykiewicz",
	"Παπαδόπουλος|papadopoulos", "김|kim", "Sharma|sharma", "Iyer|iyer"}

var domains = []string{"example.com", "example.org", "mail.example.net", "example.de", "example.pl", "example.jp", "example.com.br"}

// places are a country's spellings as people type them (name, code, native
// name), with cities, states and a postal code maker.
type place struct {
	weight    int
	countries []string
	cities    []string
	states    []string
	postal    func(n int) string
}

var places = []place{
	{40, []string{"United States", "US", "USA", "United States of America"}, []string{"New York", "Houston", "San Francisco", "Austin"},
		[]string{"NY", "TX", "CA", "Texas", "california"}, func(n int) string {
			if n%4 == 0 {
				return pad(n%99999+1, 5) + "-" + pad(n%9999, 4)
			}
			return pad(n%99999+1, 5)
		}},
	{12, []string{"Germany", "Deutschland", "DE"}, []string{"Berlin", "München", "Köln"}, []string{"", "Bayern", "BE"},
		func(n int) string { return pad(n%89999+10000, 5) }},
	{10, []string{"United Kingdom", "GB", "UK"}, []string{"London", "Manchester", "Edinburgh"}, []string{"", "Greater London"},
		func(n int) string { return "SW1A " + pad(n%9+1, 1) + "AA" }},
	{10, []string{"Poland", "Polska", "PL"}, []string{"Warszawa", "Kraków", "Łódź"}, []string{"", "mazowieckie"},
		func(n int) string { return pad(n%99, 2) + "-" + pad(n%999, 3) }},
	{8, []string{"France", "FR"}, []string{"Paris", "Lyon"}, []string{""}, func(n int) string { return pad(n%89999+10000, 5) }},
	{8, []string{"Canada", "CA"}, []string{"Toronto", "Montréal", "Vancouver"}, []string{"ON", "QC", "British Columbia"},
		func(n int) string { return "M5V " + pad(n%9+1, 1) + "T6" }},
	{5, []string{"Japan", "JP", "日本"}, []string{"東京", "Osaka"}, []string{"", "Tokyo"}, func(n int) string { return pad(n%899+100, 3) + "-" + pad(n%9999, 4) }},
	{5, []string{"Australia", "AU"}, []string{"Sydney", "Melbourne"}, []string{"NSW", "Victoria"}, func(n int) string { return pad(n%8999+1000, 4) }},
	{4, []string{"Brazil", "Brasil", "BR"}, []string{"São Paulo", "Rio de Janeiro"}, []string{"SP", "RJ"},
		func(n int) string { return pad(n%99999, 5) + "-" + pad(n%999, 3) }},
	{1, []string{"Atlantis"}, []string{"Poseidonia"}, []string{""}, func(int) string { return "" }},
}

var streets = []string{"Main St", "Main St.", "High Street", "Hauptstraße", "ul. Marszałkowska", "Rue de la Paix", "Avenida Paulista", "King's Road", "中山路"}

var descriptions = []string{
	"A frequent customer",
	"VIP, call before shipping",
	`Said "no newsletters", please`,
	"Line one\nLine two",
	" leading space and trailing ",
	"Zażółć gęślą jaźń — ünïcödé",
	"Migrated from the old shop; id 00123",
}

var phones = []string{"+1 933 222 ", "(555) 123-", "+49 30 1234", "07700 900", "+48 22 555 ", "+86 10 8888 "}

// metadataKeys are the project's custom attributes, of several types.
var metadataKeys = []string{"lang", "test", "loyalty_tier", "visits", "ltv", "tags", "preferences", "signup_date", "referrer", "note", "crm_id"}

// pad is n in decimal, zero-padded to width digits.
func pad(n, width int) string {
	d := strconv.Itoa(n)
	return strings.Repeat("0", max(0, width-len(d))) + d
}
