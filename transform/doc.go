// Package transform turns an extracted staging directory into a clean one:
// it normalises every value the BigCommerce Customers V3 API is picky about,
// validates records against the API's documented constraints, and removes
// the duplicates the API would refuse or silently swallow.
//
// The package is pure: it reads and writes staging files and never touches
// the network. The API's own rules — lengths, email syntax, country codes,
// attribute types and values, form field values — are not here but in
// internal/bcrules, which the load's dry run and the file sources share;
// this package applies them after its normalisation rules. Its own
// normalisers are exported one by one (NormalizeState, NormalizePostal,
// PhoneKey, AddressKey…) so single records can be treated the same way.
//
// Every input row ends in exactly one of three places: the output file, a
// merge (merges.parquet names its survivor) or a reject (rejects.parquet says
// why). Report.Balanced checks that ledger.
//
// The rules are described for people in RULES.md.
package transform
