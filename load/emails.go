package load

import "github.com/bcetl/bcetl/internal/bcrules"

// emailKey is how the loader matches a target customer to an input record:
// bcrules.EmailKey, the comparison the transform deduplicates by — never
// the API's own comparison, which is unconfirmed (bigcommerce-facts (h)):
// if it is looser, an email:in look-up for straße@ may answer with the
// strasse@ customer, and mapping the input record to that one would put
// one person's addresses and values into another's account. Such an
// answer matches nothing here: the record is sent, the API refuses it as a
// duplicate, and it is rejected with the API's message.
func emailKey(email string) string { return bcrules.EmailKey(email) }
