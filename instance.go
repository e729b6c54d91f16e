package icpcheck

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// InstanceStatus is the lifecycle state of an instance.
type InstanceStatus string

const (
	StatusRunning  InstanceStatus = "running"
	StatusStopped  InstanceStatus = "stopped"
	StatusExpired  InstanceStatus = "expired"
	StatusReleased InstanceStatus = "released"
)

// Billing is how an instance is paid for.
type Billing string

const (
	BillingSubscription Billing = "subscription"
	BillingPayAsYouGo   Billing = "pay_as_you_go"
)

// OrderType says whether an order opens the subscription or extends it.
type OrderType string

const (
	OrderNew     OrderType = "new"
	OrderRenewal OrderType = "renewal"
)

// Unit is the unit of an order's period.
type Unit string

const (
	UnitDay   Unit = "day"
	UnitWeek  Unit = "week"
	UnitMonth Unit = "month"
	UnitYear  Unit = "year"
)

// Editions of products that have them (iot_studio).
const (
	EditionBasic      = "basic"
	EditionEnterprise = "enterprise"
	EditionUltimate   = "ultimate"
)

// Limits on instance input, so that one absurd line cannot overflow the month arithmetic or
// exhaust memory.
const (
	MaxIDLength     = 128
	MaxOrders       = 1000
	MaxPeriod       = 1200 // in the order's unit; 100 years of months
	MaxCoverageDays = 365 * 200
	MaxPublicIPs    = 256
	MaxBandwidth    = 1e6 // Mbps
	MaxAmountCNY    = 1e12
)

// Instance is a billable resource of the provider: what a filing's access information points
// at and what service numbers are issued to. Its JSON form is the input of check, import and
// the API; DecodeInstance reads it strictly.
type Instance struct {
	ID                  string         `json:"id"`
	Product             string         `json:"product"`
	Provider            string         `json:"provider,omitempty"` // empty: the policy's own provider
	Owner               string         `json:"owner"`              // account id, digits
	Region              string         `json:"region,omitempty"`
	Status              InstanceStatus `json:"status"`
	Billing             Billing        `json:"billing"`
	Orders              []Order        `json:"orders"`
	PublicIPs           []netip.Addr   `json:"public_ips"`
	PublicBandwidthMbps *float64       `json:"public_bandwidth_mbps,omitempty"`
	ServerPurchased     *bool          `json:"server_purchased,omitempty"`
	Edition             string         `json:"edition,omitempty"`
}

// Order is one purchase of subscribed time. The first order is of type new and has a start;
// every renewal starts where the coverage before it ends, so it has none.
type Order struct {
	Type      OrderType `json:"type"`
	Start     time.Time `json:"start,omitzero"`
	Period    int       `json:"period"`
	Unit      Unit      `json:"unit"`
	AmountCNY float64   `json:"amount_cny"`
}

// AmountFen returns the order's amount in fen (CNY 0.01), rounded, so that amounts compare
// exactly: 100.0 and 99.999999 are both CNY 100.00.
func (o Order) AmountFen() int64 {
	// Rounding the decimal the amount was written as, rather than AmountCNY*100 in binary
	// floating point, makes 1.005 yuan 101 fen, as a person reading the order would count it.
	var buf [32]byte
	d := strconv.AppendFloat(buf[:0], o.AmountCNY, 'f', -1, 64)
	var fen int64
	frac := -1 // digits seen after the point
	for _, c := range d {
		switch {
		case c == '.':
			frac = 0
		case c < '0' || c > '9':
			// Only a NaN, an infinity or a negative amount, which Validate refuses, get here.
			return int64(math.Round(o.AmountCNY * 100))
		case frac < 0:
			fen = fen*10 + int64(c-'0')
		case frac < 2:
			fen = fen*10 + int64(c-'0')
			frac++
		case frac == 2:
			if c >= '5' {
				fen++
			}
			frac++
		}
	}
	for frac = max(frac, 0); frac < 2; frac++ {
		fen *= 10
	}
	return fen
}

// ProviderOr returns the instance's provider, or def when the instance names none.
func (in *Instance) ProviderOr(def string) string {
	if in.Provider == "" {
		return def
	}
	return in.Provider
}

// HasIP reports whether addr is one of the instance's public IPs.
func (in *Instance) HasIP(addr netip.Addr) bool {
	addr = addr.Unmap()
	for _, ip := range in.PublicIPs {
		if ip == addr {
			return true
		}
	}
	return false
}

var (
	idPattern     = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:@-]*$`)
	namePattern   = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	regionPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
)

// ValidAccountID reports whether id has the form of an account id: 1 to 19 digits without a
// leading zero that fit in an int64, as Alibaba Cloud's aliuid does.
func ValidAccountID(id string) bool {
	if id == "" || len(id) > 19 || id[0] == '0' {
		return false
	}
	n, err := strconv.ParseInt(id, 10, 64)
	return err == nil && n > 0
}

// ValidName reports whether s is a lowercase identifier as product, provider and edition
// names are.
func ValidName(s string) bool { return len(s) <= 64 && namePattern.MatchString(s) }

// Validate reports the first problem of the instance as an EINVALID error naming the field.
// It checks form, not eligibility: an instance that validates may still fail every check.
func (in *Instance) Validate() error {
	switch {
	case in.ID == "":
		return Invalid("id", "required")
	case len(in.ID) > MaxIDLength:
		return Invalid("id", "too_long", MaxIDLength)
	case !idPattern.MatchString(in.ID):
		return Invalid("id", "bad_id")
	case in.Product == "":
		return Invalid("product", "required")
	case !ValidName(in.Product):
		return Invalid("product", "bad_name")
	case in.Provider != "" && !ValidName(in.Provider):
		return Invalid("provider", "bad_name")
	case in.Owner == "":
		return Invalid("owner", "required")
	case !ValidAccountID(in.Owner):
		return Invalid("owner", "bad_account")
	case in.Region != "" && (len(in.Region) > 64 || !regionPattern.MatchString(in.Region)):
		return Invalid("region", "bad_region")
	case in.Edition != "" && !ValidName(in.Edition):
		return Invalid("edition", "bad_name")
	}
	switch in.Status {
	case StatusRunning, StatusStopped, StatusExpired, StatusReleased:
	case "":
		return Invalid("status", "required")
	default:
		return Invalid("status", "bad_enum", string(in.Status), "running, stopped, expired, released")
	}
	switch in.Billing {
	case BillingSubscription, BillingPayAsYouGo:
	case "":
		return Invalid("billing", "required")
	default:
		return Invalid("billing", "bad_enum", string(in.Billing), "subscription, pay_as_you_go")
	}
	if err := validateOrders(in.Orders); err != nil {
		return err
	}
	if in.Billing == BillingSubscription && len(in.Orders) == 0 {
		return Invalid("orders", "subscription_without_orders")
	}
	if len(in.PublicIPs) > MaxPublicIPs {
		return Invalid("public_ips", "too_many", MaxPublicIPs)
	}
	for i, ip := range in.PublicIPs {
		field := "public_ips[" + strconv.Itoa(i) + "]"
		if err := validatePublicIP(field, ip); err != nil {
			return err
		}
		for _, prev := range in.PublicIPs[:i] {
			if prev == ip {
				return Invalid(field, "duplicate", ip.String())
			}
		}
	}
	if bw := in.PublicBandwidthMbps; bw != nil && (math.IsNaN(*bw) || math.IsInf(*bw, 0) || *bw < 0 || *bw > MaxBandwidth) {
		return Invalid("public_bandwidth_mbps", "bad_number", 0, MaxBandwidth)
	}
	return nil
}

func validateOrders(orders []Order) error {
	if len(orders) > MaxOrders {
		return Invalid("orders", "too_many", MaxOrders)
	}
	var days int
	for i, o := range orders {
		field := "orders[" + strconv.Itoa(i) + "]"
		switch o.Type {
		case OrderNew:
			if i > 0 {
				return Invalid(field+".type", "new_not_first")
			}
			if o.Start.IsZero() {
				return Invalid(field+".start", "start_required")
			}
		case OrderRenewal:
			if i == 0 {
				return Invalid(field+".type", "renewal_first")
			}
			if !o.Start.IsZero() {
				return Invalid(field+".start", "renewal_start")
			}
		case "":
			return Invalid(field+".type", "required")
		default:
			return Invalid(field+".type", "bad_enum", string(o.Type), "new, renewal")
		}
		if o.Period <= 0 || o.Period > MaxPeriod {
			return Invalid(field+".period", "bad_period", MaxPeriod)
		}
		switch o.Unit {
		case UnitDay:
			days += o.Period
		case UnitWeek:
			days += 7 * o.Period
		case UnitMonth:
			days += 31 * o.Period
		case UnitYear:
			days += 366 * o.Period
		case "":
			return Invalid(field+".unit", "required")
		default:
			return Invalid(field+".unit", "bad_enum", string(o.Unit), "day, week, month, year")
		}
		if days > MaxCoverageDays {
			return Invalid(field+".period", "coverage_too_long")
		}
		if a := o.AmountCNY; math.IsNaN(a) || math.IsInf(a, 0) || a < 0 || a > MaxAmountCNY {
			return Invalid(field+".amount_cny", "bad_amount")
		}
	}
	return nil
}

func validatePublicIP(field string, ip netip.Addr) error {
	switch {
	case !ip.IsValid():
		return Invalid(field, "bad_ip", "")
	case ip.Is4In6(), ip.Zone() != "":
		return Invalid(field, "bad_ip", ip.String())
	case !IsPublicIP(ip):
		return Invalid(field, "not_public_ip", ip.String())
	}
	return nil
}

// IsPublicIP reports whether ip is a globally routable unicast address: not private,
// loopback, link-local, multicast, unspecified or shared (100.64.0.0/10).
func IsPublicIP(ip netip.Addr) bool {
	ip = ip.Unmap()
	if !ip.IsGlobalUnicast() || ip.IsPrivate() {
		return false
	}
	return !cgnat.Contains(ip)
}

var cgnat = netip.MustParsePrefix("100.64.0.0/10")

// rawInstance mirrors Instance with every field optional and loosely typed, so that decoding
// can tell a missing field from a zero one and name the field of each problem.
type rawInstance struct {
	ID                  *string    `json:"id"`
	Product             *string    `json:"product"`
	Provider            *string    `json:"provider"`
	Owner               *string    `json:"owner"`
	Region              *string    `json:"region"`
	Status              *string    `json:"status"`
	Billing             *string    `json:"billing"`
	Orders              []rawOrder `json:"orders"`
	PublicIPs           []string   `json:"public_ips"`
	PublicBandwidthMbps *float64   `json:"public_bandwidth_mbps"`
	ServerPurchased     *bool      `json:"server_purchased"`
	Edition             *string    `json:"edition"`
}

type rawOrder struct {
	Type      string   `json:"type"`
	Start     *string  `json:"start"`
	Period    *int     `json:"period"`
	Unit      string   `json:"unit"`
	AmountCNY *float64 `json:"amount_cny"`
}

// DecodeInstance reads one instance from its JSON form strictly: unknown fields, wrong types,
// bad enum values, malformed times and IPs, and trailing data are each an EINVALID error that
// names the field.
func DecodeInstance(data []byte) (*Instance, error) {
	var raw rawInstance
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&raw); err != nil {
		return nil, jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, Invalid("", "trailing_data")
	}
	return raw.instance()
}

func (raw *rawInstance) instance() (*Instance, error) {
	in := &Instance{
		ID:                  deref(raw.ID),
		Product:             deref(raw.Product),
		Provider:            deref(raw.Provider),
		Owner:               deref(raw.Owner),
		Region:              deref(raw.Region),
		Status:              InstanceStatus(deref(raw.Status)),
		Billing:             Billing(deref(raw.Billing)),
		PublicBandwidthMbps: raw.PublicBandwidthMbps,
		ServerPurchased:     raw.ServerPurchased,
		Edition:             deref(raw.Edition),
	}
	if len(raw.Orders) > MaxOrders {
		return nil, Invalid("orders", "too_many", MaxOrders)
	}
	in.Orders = make([]Order, len(raw.Orders))
	for i, ro := range raw.Orders {
		o := Order{Type: OrderType(ro.Type), Unit: Unit(ro.Unit)}
		if ro.Period != nil {
			o.Period = *ro.Period
		}
		if ro.AmountCNY != nil {
			o.AmountCNY = *ro.AmountCNY
		}
		if ro.Start != nil {
			t, err := ParseTime(*ro.Start)
			if err != nil {
				return nil, Invalid("orders["+strconv.Itoa(i)+"].start", "bad_time", *ro.Start)
			}
			o.Start = t
		}
		in.Orders[i] = o
	}
	if len(raw.PublicIPs) > MaxPublicIPs {
		return nil, Invalid("public_ips", "too_many", MaxPublicIPs)
	}
	in.PublicIPs = make([]netip.Addr, len(raw.PublicIPs))
	for i, s := range raw.PublicIPs {
		ip, err := netip.ParseAddr(s)
		if err != nil {
			return nil, Invalid("public_ips["+strconv.Itoa(i)+"]", "bad_ip", s)
		}
		in.PublicIPs[i] = ip
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	return in, nil
}

// ParseTime parses an RFC 3339 time with its UTC offset, which is kept: month arithmetic
// works in the offset the time was given in.
func ParseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, err
	}
	// time.Parse gives the machine's own zone when the offset happens to be its offset now,
	// and month arithmetic in that zone would follow its daylight saving rules. The offset
	// given is pinned instead, so that the result does not depend on where icpcheck runs.
	if _, offset := t.Zone(); offset == 0 {
		t = t.UTC()
	} else {
		t = t.In(time.FixedZone("", offset))
	}
	if y := t.Year(); y < 1900 || y > 9000 {
		return time.Time{}, errors.New("year out of range")
	}
	return t, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// jsonError turns an encoding/json error into an EINVALID error naming the field.
func jsonError(err error) error {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			return Invalid("", "not_object")
		}
		return Invalid(field, "bad_type", typeErr.Value)
	case errors.As(err, &syntaxErr):
		return Invalid("", "bad_json", syntaxErr.Offset)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return Invalid("", "bad_json_eof")
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return Invalid(strings.Trim(name, `"`), "unknown_field")
	}
	// Numbers that do not fit (1e400) and other decoder complaints.
	return Invalid("", "bad_json_value", strings.TrimPrefix(err.Error(), "json: "))
}
