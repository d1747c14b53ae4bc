package sandbox

import (
	"net/http"
	"sort"
	"strings"
)

// Route matching: a path (after /stores/{hash}) names a route exactly, or
// matches a pattern whose {name} segments take any one non-empty segment.
// Patterns with more literal segments win, so /v2/countries/states is
// never read as /v2/countries/{id}. The captured segments are set on the
// request (r.SetPathValue), so handlers read them with r.PathValue, as
// with http.ServeMux patterns.

type compiledRoute struct {
	pattern  string
	segs     []string
	literals int
}

var paramRoutes []compiledRoute

func compileRoutes() {
	for p := range routes {
		if !strings.Contains(p, "{") {
			continue
		}
		cr := compiledRoute{pattern: p, segs: strings.Split(strings.Trim(p, "/"), "/")}
		for _, s := range cr.segs {
			if !strings.HasPrefix(s, "{") {
				cr.literals++
			}
		}
		paramRoutes = append(paramRoutes, cr)
	}
	sort.Slice(paramRoutes, func(i, j int) bool {
		if paramRoutes[i].literals != paramRoutes[j].literals {
			return paramRoutes[i].literals > paramRoutes[j].literals
		}
		return paramRoutes[i].pattern < paramRoutes[j].pattern
	})
}

// matchRoute returns the route pattern rest belongs to and sets its path
// values on r.
func matchRoute(rest string, r *http.Request) (string, bool) {
	if _, ok := routes[rest]; ok {
		return rest, true
	}
	segs := strings.Split(strings.Trim(rest, "/"), "/")
	for _, cr := range paramRoutes {
		if len(cr.segs) != len(segs) {
			continue
		}
		ok := true
		for i, s := range cr.segs {
			if strings.HasPrefix(s, "{") {
				ok = segs[i] != ""
			} else {
				ok = s == segs[i]
			}
			if !ok {
				break
			}
		}
		if !ok {
			continue
		}
		for i, s := range cr.segs {
			if strings.HasPrefix(s, "{") {
				r.SetPathValue(strings.Trim(s, "{}"), segs[i])
			}
		}
		return cr.pattern, true
	}
	return "", false
}

// pathID reads a path segment that must be a positive int32 id; a bad one
// is answered 404 (no resource has that name) and reported false.
func pathID(w http.ResponseWriter, r *http.Request, name string) (int64, bool) {
	id, ok := parsePathID(r.PathValue(name))
	if !ok {
		writeError(w, r, http.StatusNotFound, "The requested resource was not found.", nil)
	}
	return id, ok
}

// parsePathID reads a positive int32 id written in decimal digits.
func parsePathID(s string) (int64, bool) {
	if s == "" || len(s) > 10 {
		return 0, false
	}
	var n int64
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, n >= 1 && n <= maxInt32
}
