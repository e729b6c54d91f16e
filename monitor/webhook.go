package monitor

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/icpcheck/icpcheck"
	"github.com/icpcheck/icpcheck/i18n"
)

// Webhook headers. The signature is HMAC-SHA256 with the shared secret over the request body
// exactly as sent, hex-encoded; the body carries the same time as the timestamp header, so a
// receiver that checks the signature and refuses old timestamps also refuses replays.
const (
	HeaderSignature = "X-Icpcheck-Signature" // "sha256=<hex>"
	HeaderTimestamp = "X-Icpcheck-Timestamp" // Unix seconds of the attempt
	HeaderEvent     = "X-Icpcheck-Event"     // opened or resolved
	HeaderDelivery  = "X-Icpcheck-Delivery"  // the event's id: the same on every attempt, for deduplication
)

// Defaults of a Webhook.
const (
	DefaultWebhookTimeout = 10 * time.Second
	DefaultBaseBackoff    = 5 * time.Second
	DefaultMaxBackoff     = time.Hour
	DefaultLease          = time.Minute
	defaultBatch          = 100
)

// Payload is the JSON body of one webhook request: one finding opened or resolved.
type Payload struct {
	ID      int64             `json:"id"`
	Event   string            `json:"event"`
	SentAt  time.Time         `json:"sent_at"`
	Attempt int               `json:"attempt"`
	Finding *icpcheck.Finding `json:"finding"`
	Message i18n.Text         `json:"message"`
	Remedy  i18n.Text         `json:"remedy"`
}

// Sign returns the signature header value of body under secret.
func Sign(secret, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// Verify reports whether header is the signature of body under secret, in constant time.
func Verify(secret, body []byte, header string) bool {
	return hmac.Equal([]byte(Sign(secret, body)), []byte(header))
}

// Webhook posts the store's outbox of finding events to a URL, each event until the receiver
// answers 2xx, with exponential backoff between attempts. An event is marked sent only after
// a 2xx, so a crash between the two sends it again: receivers deduplicate by the delivery id.
// Several servers may run a Webhook over one store: the store leases each event to one sender.
type Webhook struct {
	URL         string
	Secret      []byte
	Store       icpcheck.FindingService
	Client      *http.Client     // nil: a client with DefaultWebhookTimeout
	Now         func() time.Time // nil: time.Now
	BaseBackoff time.Duration    // the wait after the first failure; doubled each time; 0: DefaultBaseBackoff
	MaxBackoff  time.Duration    // 0: DefaultMaxBackoff
	Lease       time.Duration    // how long a claimed event is this sender's; 0: DefaultLease
	Logger      *slog.Logger

	once sync.Once
	wake chan struct{}
}

func (w *Webhook) wakeup() chan struct{} {
	w.once.Do(func() { w.wake = make(chan struct{}, 1) })
	return w.wake
}

// ValidateWebhookURL returns EINVALID webhook_url unless u is an absolute http or https URL.
func ValidateWebhookURL(u string) error {
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
		return icpcheck.Invalid("webhook_url", "webhook_url", u)
	}
	return nil
}

func (w *Webhook) now() time.Time {
	if w.Now != nil {
		return w.Now()
	}
	return time.Now()
}

func (w *Webhook) logger() *slog.Logger {
	if w.Logger != nil {
		return w.Logger
	}
	return slog.Default()
}

// Wake makes a running Loop flush now rather than at its next poll. It never blocks.
func (w *Webhook) Wake() {
	select {
	case w.wakeup() <- struct{}{}:
	default:
	}
}

// Loop flushes the outbox whenever woken, when an attempt that failed is due again, and
// every poll (for events other servers left), until ctx is done.
func (w *Webhook) Loop(ctx context.Context, poll time.Duration) {
	ctx = icpcheck.NewContextWithActor(ctx, icpcheck.Actor{Role: icpcheck.RoleAdmin, Via: "monitor"})
	t := time.NewTimer(poll)
	defer t.Stop()
	for {
		_, _, next, err := w.flush(ctx)
		if err != nil && ctx.Err() == nil {
			w.logger().Error("webhook flush failed", "err", err)
		}
		wait := poll
		if !next.IsZero() {
			wait = min(poll, max(next.Sub(w.now()), time.Millisecond))
		}
		t.Reset(wait)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-w.wakeup():
		}
	}
}

// Flush sends every event that is due now, once each, and returns how many were accepted and
// how many failed (and wait for their next attempt). The context's actor must be an admin.
func (w *Webhook) Flush(ctx context.Context) (sent, failed int, err error) {
	sent, failed, _, err = w.flush(ctx)
	return sent, failed, err
}

// flush is Flush, also returning when the earliest attempt that failed is due again (zero
// when none failed).
func (w *Webhook) flush(ctx context.Context) (sent, failed int, earliest time.Time, err error) {
	if err := ValidateWebhookURL(w.URL); err != nil {
		return 0, 0, earliest, err
	}
	for {
		now := w.now()
		evs, err := w.Store.ClaimFindingEvents(ctx, now, defaultBatch, w.lease())
		if err != nil {
			return sent, failed, earliest, err
		}
		for _, ev := range evs {
			if reason := w.post(ctx, ev); reason != "" {
				failed++
				next := w.now().Add(w.backoff(ev.Attempts))
				if earliest.IsZero() || next.Before(earliest) {
					earliest = next
				}
				w.logger().Warn("webhook attempt failed", "event", ev.ID, "attempt", ev.Attempts, "reason", reason, "next", next)
				if err := w.Store.MarkFindingEventFailed(ctx, ev.ID, next, reason); err != nil {
					return sent, failed, earliest, err
				}
				continue
			}
			sent++
			if err := w.Store.MarkFindingEventSent(ctx, ev.ID, w.now()); err != nil {
				return sent, failed, earliest, err
			}
		}
		if len(evs) < defaultBatch {
			return sent, failed, earliest, nil
		}
	}
}

func (w *Webhook) lease() time.Duration {
	if w.Lease > 0 {
		return w.Lease
	}
	return DefaultLease
}

// backoff returns the wait before attempt+1: the base doubled per failed attempt, capped, with
// up to a quarter of jitter so that the receiver is not hit by every server in step.
func (w *Webhook) backoff(attempts int) time.Duration {
	base, ceiling := w.BaseBackoff, w.MaxBackoff
	if base <= 0 {
		base = DefaultBaseBackoff
	}
	if ceiling <= 0 {
		ceiling = DefaultMaxBackoff
	}
	d := base
	for i := 1; i < attempts && d < ceiling; i++ {
		d *= 2
	}
	d = min(d, ceiling)
	return d - time.Duration(rand.Int64N(int64(d)/4+1))
}

// post makes one attempt to deliver ev and returns "" when the receiver accepted it, or why
// not.
func (w *Webhook) post(ctx context.Context, ev *icpcheck.FindingEvent) string {
	sentAt := w.now().UTC().Truncate(time.Second)
	p := Payload{ID: ev.ID, Event: ev.Event, SentAt: sentAt, Attempt: ev.Attempts, Finding: ev.Finding}
	for _, lang := range i18n.Langs {
		msg, rem := ev.Finding.Message(lang), ev.Finding.Remedy(lang)
		if lang == i18n.EN {
			p.Message.EN, p.Remedy.EN = msg, rem
		} else {
			p.Message.ZH, p.Remedy.ZH = msg, rem
		}
	}
	body, err := json.Marshal(p)
	if err != nil {
		return "encode: " + err.Error()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		return "request: " + err.Error()
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "icpcheck-webhook/1")
	req.Header.Set(HeaderSignature, Sign(w.Secret, body))
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(sentAt.Unix(), 10))
	req.Header.Set(HeaderEvent, ev.Event)
	req.Header.Set(HeaderDelivery, strconv.FormatInt(ev.ID, 10))
	client := w.Client
	if client == nil {
		client = &http.Client{Timeout: DefaultWebhookTimeout}
	}
	resp, err := client.Do(req)
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 256))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Sprintf("HTTP %d: %s", resp.StatusCode, strings.TrimSpace(string(snippet)))
	}
	return ""
}
