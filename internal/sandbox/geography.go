package sandbox

import (
	"sort"
	"strings"
)

// Geography: the countries and states of the store, served as the V2
// Geography API (geography.v2.yml: /v2/countries, /v2/countries/{id},
// /v2/countries/{country_id}/states[/{id}], the counts and
// /v2/countries/states), and the list addresses are checked against.
//
// Choice of data: a table embedded here, not github.com/biter777/countries
// (the sandbox imports only the standard library, and BigCommerce's
// spelling is not ISO's: ISO 3166-2 writes "Provence-Alpes-Côte-d’Azur",
// bigcommerce-facts.md (h)). Countries: the 249 ISO 3166-1 codes with
// alpha-3 codes (taken once from biter777/countries) and English short
// names. States: the countries BigCommerce lists states for that the
// generator uses — United States, Canada, Australia (as recorded in
// aligent/aligent-graphql-mesh test data), Germany (the Länder in German)
// and France (the regions, with a plain apostrophe and without ISO's
// hyphens: "Provence-Alpes-Côte d'Azur", "Pays de la Loire"). Evidence for
// DE and FR: none beyond the facts' warning; stricter on purpose (a client
// that sends ISO's spelling is refused, and must take the names from
// /v2/countries/{id}/states).
//
// Ids: countries are numbered in the order of their names (1 Afghanistan,
// as in the document), states in table order; the real store's ids differ
// (Australia is 13 there), so a client looks a country up by country_iso2,
// never by a remembered id.
//
// Rules for address_Post.state_or_province ("spelled out in full … State
// or province codes not accepted"): for every country with a state list
// a state given must be one of its names (compared ignoring case and
// surrounding or repeated spaces, which the real API tolerates in our
// experience of messy source data) and never its abbreviation; US, CA and
// AU also require one (and a postal code). Choice: DE and FR accept an
// empty state, as nothing says BigCommerce requires one there. For other
// countries the state is free text.

// The ISO 3166-1 codes (alpha-2, alpha-3) and the country names the API
// returns in address_Full.country and country_Full.country.
const isoCountries = `AD AND Andorra|AE ARE United Arab Emirates|AF AFG Afghanistan|AG ATG Antigua and Barbuda|AI AIA Anguilla|AL ALB Albania|AM ARM Armenia|AO AGO Angola|AQ ATA Antarctica|AR ARG Argentina|AS ASM American Samoa|AT AUT Austria|AU AUS Australia|AW ABW Aruba|AX ALA Aland Islands|AZ AZE Azerbaijan|BA BIH Bosnia and Herzegovina|BB BRB Barbados|BD BGD Bangladesh|BE BEL Belgium|BF BFA Burkina Faso|BG BGR Bulgaria|BH BHR Bahrain|BI BDI Burundi|BJ BEN Benin|BL BLM Saint Barthelemy|BM BMU Bermuda|BN BRN Brunei Darussalam|BO BOL Bolivia|BQ BES Bonaire, Sint Eustatius and Saba|BR BRA Brazil|BS BHS Bahamas|BT BTN Bhutan|BV BVT Bouvet Island|BW BWA Botswana|BY BLR Belarus|BZ BLZ Belize|CA CAN Canada|CC CCK Cocos (Keeling) Islands|CD COD Congo, the Democratic Republic of the|CF CAF Central African Republic|CG COG Congo|CH CHE Switzerland|CI CIV Cote d'Ivoire|CK COK Cook Islands|CL CHL Chile|CM CMR Cameroon|CN CHN China|CO COL Colombia|CR CRI Costa Rica|CU CUB Cuba|CV CPV Cape Verde|CW CUW Curacao|CX CXR Christmas Island|CY CYP Cyprus|CZ CZE Czech Republic|DE DEU Germany|DJ DJI Djibouti|DK DNK Denmark|DM DMA Dominica|DO DOM Dominican Republic|DZ DZA Algeria|EC ECU Ecuador|EE EST Estonia|EG EGY Egypt|EH ESH Western Sahara|ER ERI Eritrea|ES ESP Spain|ET ETH Ethiopia|FI FIN Finland|FJ FJI Fiji|FK FLK Falkland Islands (Malvinas)|FM FSM Micronesia, Federated States of|FO FRO Faroe Islands|FR FRA France|GA GAB Gabon|GB GBR United Kingdom|GD GRD Grenada|GE GEO Georgia|GF GUF French Guiana|GG GGY Guernsey|GH GHA Ghana|GI GIB Gibraltar|GL GRL Greenland|GM GMB Gambia|GN GIN Guinea|GP GLP Guadeloupe|GQ GNQ Equatorial Guinea|GR GRC Greece|GS SGS South Georgia and the South Sandwich Islands|GT GTM Guatemala|GU GUM Guam|GW GNB Guinea-Bissau|GY GUY Guyana|HK HKG Hong Kong|HM HMD Heard Island and McDonald Islands|HN HND Honduras|HR HRV Croatia|HT HTI Haiti|HU HUN Hungary|ID IDN Indonesia|IE IRL Ireland|IL ISR Israel|IM IMN Isle of Man|IN IND India|IO IOT British Indian Ocean Territory|IQ IRQ Iraq|IR IRN Iran, Islamic Republic of|IS ISL Iceland|IT ITA Italy|JE JEY Jersey|JM JAM Jamaica|JO JOR Jordan|JP JPN Japan|KE KEN Kenya|KG KGZ Kyrgyzstan|KH KHM Cambodia|KI KIR Kiribati|KM COM Comoros|KN KNA Saint Kitts and Nevis|KP PRK Korea, Democratic People's Republic of|KR KOR Korea, Republic of|KW KWT Kuwait|KY CYM Cayman Islands|KZ KAZ Kazakhstan|LA LAO Lao People's Democratic Republic|LB LBN Lebanon|LC LCA Saint Lucia|LI LIE Liechtenstein|LK LKA Sri Lanka|LR LBR Liberia|LS LSO Lesotho|LT LTU Lithuania|LU LUX Luxembourg|LV LVA Latvia|LY LBY Libya|MA MAR Morocco|MC MCO Monaco|MD MDA Moldova, Republic of|ME MNE Montenegro|MF MAF Saint Martin (French part)|MG MDG Madagascar|MH MHL Marshall Islands|MK MKD North Macedonia|ML MLI Mali|MM MMR Myanmar|MN MNG Mongolia|MO MAC Macao|MP MNP Northern Mariana Islands|MQ MTQ Martinique|MR MRT Mauritania|MS MSR Montserrat|MT MLT Malta|MU MUS Mauritius|MV MDV Maldives|MW MWI Malawi|MX MEX Mexico|MY MYS Malaysia|MZ MOZ Mozambique|NA NAM Namibia|NC NCL New Caledonia|NE NER Niger|NF NFK Norfolk Island|NG NGA Nigeria|NI NIC Nicaragua|NL NLD Netherlands|NO NOR Norway|NP NPL Nepal|NR NRU Nauru|NU NIU Niue|NZ NZL New Zealand|OM OMN Oman|PA PAN Panama|PE PER Peru|PF PYF French Polynesia|PG PNG Papua New Guinea|PH PHL Philippines|PK PAK Pakistan|PL POL Poland|PM SPM Saint Pierre and Miquelon|PN PCN Pitcairn|PR PRI Puerto Rico|PS PSE Palestine, State of|PT PRT Portugal|PW PLW Palau|PY PRY Paraguay|QA QAT Qatar|RE REU Reunion|RO ROU Romania|RS SRB Serbia|RU RUS Russian Federation|RW RWA Rwanda|SA SAU Saudi Arabia|SB SLB Solomon Islands|SC SYC Seychelles|SD SDN Sudan|SE SWE Sweden|SG SGP Singapore|SH SHN Saint Helena, Ascension and Tristan da Cunha|SI SVN Slovenia|SJ SJM Svalbard and Jan Mayen|SK SVK Slovakia|SL SLE Sierra Leone|SM SMR San Marino|SN SEN Senegal|SO SOM Somalia|SR SUR Suriname|SS SSD South Sudan|ST STP Sao Tome and Principe|SV SLV El Salvador|SX SXM Sint Maarten (Dutch part)|SY SYR Syrian Arab Republic|SZ SWZ Eswatini|TC TCA Turks and Caicos Islands|TD TCD Chad|TF ATF French Southern Territories|TG TGO Togo|TH THA Thailand|TJ TJK Tajikistan|TK TKL Tokelau|TL TLS Timor-Leste|TM TKM Turkmenistan|TN TUN Tunisia|TO TON Tonga|TR TUR Turkey|TT TTO Trinidad and Tobago|TV TUV Tuvalu|TW TWN Taiwan|TZ TZA Tanzania, United Republic of|UA UKR Ukraine|UG UGA Uganda|UM UMI United States Minor Outlying Islands|US USA United States|UY URY Uruguay|UZ UZB Uzbekistan|VA VAT Holy See (Vatican City State)|VC VCT Saint Vincent and the Grenadines|VE VEN Venezuela|VG VGB Virgin Islands, British|VI VIR Virgin Islands, U.S.|VN VNM Vietnam|VU VUT Vanuatu|WF WLF Wallis and Futuna|WS WSM Samoa|YE YEM Yemen|YT MYT Mayotte|ZA ZAF South Africa|ZM ZMB Zambia|ZW ZWE Zimbabwe`

// States of the countries whose addresses need a state spelled out in full
// (address_Post.state_or_province: "The state or province name spelled out
// in full … State or province codes not accepted"), as "CODE Name".
var stateLists = map[string]string{
	"US": `AL Alabama|AK Alaska|AZ Arizona|AR Arkansas|CA California|CO Colorado|CT Connecticut|DE Delaware|DC District of Columbia|FL Florida|GA Georgia|HI Hawaii|ID Idaho|IL Illinois|IN Indiana|IA Iowa|KS Kansas|KY Kentucky|LA Louisiana|ME Maine|MD Maryland|MA Massachusetts|MI Michigan|MN Minnesota|MS Mississippi|MO Missouri|MT Montana|NE Nebraska|NV Nevada|NH New Hampshire|NJ New Jersey|NM New Mexico|NY New York|NC North Carolina|ND North Dakota|OH Ohio|OK Oklahoma|OR Oregon|PA Pennsylvania|RI Rhode Island|SC South Carolina|SD South Dakota|TN Tennessee|TX Texas|UT Utah|VT Vermont|VA Virginia|WA Washington|WV West Virginia|WI Wisconsin|WY Wyoming|AS American Samoa|GU Guam|MP Northern Mariana Islands|PR Puerto Rico|VI Virgin Islands|UM United States Minor Outlying Islands|AA Armed Forces Americas|AE Armed Forces Europe|AP Armed Forces Pacific`,
	"CA": `AB Alberta|BC British Columbia|MB Manitoba|NB New Brunswick|NL Newfoundland and Labrador|NS Nova Scotia|NT Northwest Territories|NU Nunavut|ON Ontario|PE Prince Edward Island|QC Quebec|SK Saskatchewan|YT Yukon`,
	"AU": `ACT Australian Capital Territory|NSW New South Wales|NT Northern Territory|QLD Queensland|SA South Australia|TAS Tasmania|VIC Victoria|WA Western Australia`,
	"DE": `BW Baden-Württemberg|BY Bayern|BE Berlin|BB Brandenburg|HB Bremen|HH Hamburg|HE Hessen|MV Mecklenburg-Vorpommern|NI Niedersachsen|NW Nordrhein-Westfalen|RP Rheinland-Pfalz|SL Saarland|SN Sachsen|ST Sachsen-Anhalt|SH Schleswig-Holstein|TH Thüringen`,
	"FR": `ARA Auvergne-Rhône-Alpes|BFC Bourgogne-Franche-Comté|BRE Bretagne|CVL Centre-Val de Loire|COR Corse|GES Grand Est|HDF Hauts-de-France|IDF Île-de-France|NOR Normandie|NAQ Nouvelle-Aquitaine|OCC Occitanie|PDL Pays de la Loire|PAC Provence-Alpes-Côte d'Azur`,
}

// stateOrder is the order the state lists are numbered in.
var stateOrder = []string{"US", "CA", "AU", "DE", "FR"}

type countryRow struct {
	id               int64
	iso2, iso3, name string
	states           []stateRow
}

type stateRow struct {
	id, countryID int64
	name, abbr    string
}

var (
	countryList   []*countryRow // by id
	countryByISO2 = map[string]*countryRow{}
	stateRows     []stateRow // by id
)

var (
	countryNames = map[string]string{}
	// stateCodes[country][CODE] and stateNames[country][lower-case name].
	stateCodes = map[string]map[string]bool{}
	stateNames = map[string]map[string]string{}
)

func init() {
	for _, e := range strings.Split(isoCountries, "|") {
		c := &countryRow{iso2: e[:2], iso3: e[3:6], name: e[7:]}
		countryNames[c.iso2] = c.name
		countryList = append(countryList, c)
		countryByISO2[c.iso2] = c
	}
	sort.Slice(countryList, func(i, j int) bool { return countryList[i].name < countryList[j].name })
	for i, c := range countryList {
		c.id = int64(i + 1)
	}
	for _, cc := range stateOrder {
		list := stateLists[cc]
		c := countryByISO2[cc]
		stateCodes[cc], stateNames[cc] = map[string]bool{}, map[string]string{}
		for _, e := range strings.Split(list, "|") {
			code, name, _ := strings.Cut(e, " ")
			stateCodes[cc][code] = true
			stateNames[cc][strings.ToLower(name)] = name
			row := stateRow{id: int64(len(stateRows) + 1), countryID: c.id, name: name, abbr: code}
			stateRows = append(stateRows, row)
			c.states = append(c.states, row)
		}
	}
}

// checkState validates state_or_province for a country (the rules above).
// It returns "" when fine.
func checkState(cc, state string) string {
	names, ok := stateNames[cc]
	if !ok {
		return ""
	}
	t := strings.TrimSpace(state)
	if t == "" {
		if stateRequired[cc] {
			return "is required for country " + cc
		}
		return ""
	}
	if stateCodes[cc][strings.ToUpper(t)] {
		return "State or province codes not accepted: spell out the full name (e.g. California, not CA)"
	}
	if _, ok := names[strings.ToLower(strings.Join(strings.Fields(t), " "))]; !ok {
		return "is not a state or province of " + cc + " as this store spells them (GET /v2/countries/" +
			itoa(countryByISO2[cc].id) + "/states)"
	}
	return ""
}

// stateRequired: the countries whose addresses must name a state.
var stateRequired = map[string]bool{"US": true, "CA": true, "AU": true}

// needsPostal lists the countries whose addresses must carry a postal code
// (address_Post.postal_code: "required for countries that need postal
// codes"). Choice: only US, CA and AU are enforced.
func needsPostal(cc string) bool { return stateRequired[cc] }
