package console

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/icpcheck/icpcheck"
)

// pageSize is the rows of one page of a console listing: enough to scan, few enough to read
// on a phone.
const pageSize = 20

// maxPage bounds ?page= so that the offset it gives cannot overflow.
const maxPage = 1_000_000

// pageNumber reads ?page= (1 when absent). Anything but a whole number from 1 is refused
// rather than silently read as page 1, so a mistyped link says so.
func pageNumber(r *http.Request) (int, error) {
	s := strings.TrimSpace(r.URL.Query().Get("page"))
	if s == "" {
		return 1, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > maxPage {
		return 1, icpcheck.Invalid("page", "bad_page")
	}
	return n, nil
}

func offsetOf(page int) int { return (page - 1) * pageSize }

// pager is the navigation under a listing.
type pager struct {
	Page  int
	Pages int
	Total int
	First int // the 1-based position of the first row shown; 0 when none is
	Last  int
	Prev  string // URL of the previous page; "" on the first
	Next  string // URL of the next page; "" on the last
}

// newPager returns the pager of page for a listing of total rows showing shown of them; the
// links keep the request's other parameters (the filters).
func newPager(r *http.Request, page, total, shown int) pager {
	p := pager{Page: page, Total: total, Pages: max((total+pageSize-1)/pageSize, 1)}
	if shown > 0 {
		p.First = offsetOf(page) + 1
		p.Last = offsetOf(page) + shown
	}
	link := func(n int) string {
		q := r.URL.Query()
		q.Del(langParam)
		if n == 1 {
			q.Del("page")
		} else {
			q.Set("page", strconv.Itoa(n))
		}
		u := url.URL{Path: r.URL.Path, RawQuery: q.Encode()}
		return u.RequestURI()
	}
	if page > 1 {
		p.Prev = link(min(page-1, p.Pages))
	}
	if page < p.Pages {
		p.Next = link(page + 1)
	}
	return p
}
