# Package icpcheck.table1 is Alibaba Cloud's published Table 1 and the checks of icpcheck's
# SPEC section 4 in Rego, for comparison with icpcheck's engine: the same rules, the same
# instance JSON as input, the same verdict out.
#
# Input: one instance in its JSON form (SPEC section 2). The moment of the check is OPA's
# evaluation time, time.now_ns(), which the caller sets per query (rego.EvalTime), as
# icpcheck's engine takes `at`.
#
# Output: `result`, {"id", "eligible", "fail": {code...}, "warn": {code...}}. A check that
# passes or does not apply to the product (skip) appears in neither set; `quota` is always
# skipped here, as in a stateless check.
#
# Input is assumed valid, as icpcheck.DecodeInstance accepts it: the rules do not repeat the
# validation of form (enum values, start times, periods), only what eligibility reads.
package icpcheck.table1

# products is Table 1: what each product requires, and the numbers an instance may have.
products := {
	"ecs": {
		"mainland": true, "subscription_billing": true, "min_months": 3,
		"public_bandwidth": true, "quota": 5,
	},
	"web_hosting": {"mainland": true, "min_months": 3, "quota": 5},
	"simple_application_server": {"mainland": true, "min_months": 3, "server_purchased": true, "quota": 5},
	"ens": {"mainland": true, "min_months": 3, "quota": 5},
	"marketplace": {"min_order_fen": 10000, "min_months": 3, "quota": 2},
	"iot_studio": {"min_order_fen": 10000, "mainland": true, "editions": {"enterprise", "ultimate"}, "quota": 1},
}

provider := "alibaba"

mainland_regions := {
	"cn-qingdao", "cn-beijing", "cn-zhangjiakou", "cn-huhehaote", "cn-wulanchabu",
	"cn-hangzhou", "cn-shanghai", "cn-nanjing", "cn-fuzhou", "cn-shenzhen", "cn-heyuan",
	"cn-guangzhou", "cn-chengdu", "cn-wuhan-lr",
}

# ens_node is the form of an ENS edge node's id: mainland, except in Hong Kong, Macao and
# Taiwan (outside_mainland), whatever the pattern says.
ens_node := `^cn-[a-z]+-(telecom|unicom|mobile)$`

outside_mainland := `^cn-(hongkong|macau|macao|taiwan)(-|$)`

# reminder_days is the expiry warning window: the largest of the reminders 30, 15, 7, 1.
reminder_days := 30

# result is the verdict on the instance.
result := {"id": input.id, "eligible": count(fail) == 0, "fail": fail, "warn": warn}

# rule is the instance's product's row of Table 1; undefined for a product not in it, whose
# product-specific checks are then all skipped.
rule := products[input.product]

fail contains "provider" if instance_provider != provider

# instance_provider is the instance's provider: the policy's own when it names none.
instance_provider := input.provider if {
	input.provider != ""
} else := provider

fail contains "product" if not rule

fail contains "region" if {
	rule.mainland
	not mainland(object.get(input, "region", ""))
}

mainland(region) if region in mainland_regions

mainland(region) if {
	regex.match(ens_node, region)
	not regex.match(outside_mainland, region)
}

fail contains "status" if input.status != "running"

fail contains "public_ip" if not has_public_ip

has_public_ip if input.public_ips[_]

fail contains "billing" if {
	rule.subscription_billing
	input.billing != "subscription"
}

fail contains "subscription" if {
	rule.min_months
	not covers(rule.min_months)
}

fail contains "public_bandwidth" if {
	rule.public_bandwidth
	not bandwidth_purchased
}

# Negations go through helper rules such as bandwidth_purchased: OPA rewrites a call or
# comparison on a ref into an assignment before the negated expression, so `not
# input.public_bandwidth_mbps > 0` is undefined, not true, when the field is absent
# (open-policy-agent/opa#8387).
bandwidth_purchased if input.public_bandwidth_mbps > 0

fail contains "server_purchased" if {
	rule.server_purchased
	not server_purchased
}

server_purchased if input.server_purchased == true

fail contains "order_amount" if {
	rule.min_order_fen
	not some_order_reaches(rule.min_order_fen)
}

# some_order_reaches holds when a single order, new or renewal, costs at least fen, its
# amount in CNY rounded to the fen.
some_order_reaches(fen) if {
	some order in input.orders
	round(order.amount_cny * 100) >= fen
}

fail contains "edition" if {
	rule.editions
	not edition_allowed
}

edition_allowed if input.edition in rule.editions

fail contains "expiry" if end_ns <= time.now_ns()

warn contains "expiry" if {
	left := end_ns - time.now_ns()
	left > 0
	left <= reminder_days * day_ns
}

day_ns := 86400000000000

# The subscribed time (SPEC section 3). start_ns is the first order's start in Unix
# nanoseconds; local_start_ns the same date and time of day read as if in UTC: the start's
# own clock, on which months are added. months are the months of all month and year orders
# (a year is 12), days the days of all day and week orders (a week is 7). All of it is
# undefined for an instance without coverage: pay-as-you-go, whose subscription check then
# fails and whose expiry check is skipped.
#
# OPA's time functions work in int64 nanoseconds, so this covers years 1678 to 2261, where
# icpcheck accepts 1900 to 9000: an instance beyond 2261 would be undefined here.
start_ns := time.parse_rfc3339_ns(input.orders[0].start) if input.billing == "subscription"

local_start_ns := time.parse_ns("2006-01-02T15:04:05", regex.replace(input.orders[0].start, `(Z|[+-]\d\d:\d\d)$`, "")) if {
	input.billing == "subscription"
}

start_day := time.date(local_start_ns)[2]

months := sum([n | some order in input.orders; n := order.period * unit_months[order.unit]])

days := sum([n | some order in input.orders; n := order.period * unit_days[order.unit]])

unit_months := {"month": 1, "year": 12}

unit_days := {"day": 1, "week": 7}

# local_end_ns is the coverage end, addMonths(start, months) + days days, on the start's own
# clock; end_ns is the same moment in Unix nanoseconds.
local_end_ns := add_months(months) + (days * day_ns)

end_ns := start_ns + (local_end_ns - local_start_ns)

# covers holds when the coverage reaches n months past its start.
covers(n) if local_end_ns >= add_months(n)

# add_months is the start plus n months in the contract's month arithmetic, which
# time.add_date is not: time.add_date takes Jan 31 + 1 month to Mar 3, where the contract
# clamps the day to the last day of the month, Feb 28 (or 29).
add_months(n) := clamp(time.add_date(local_start_ns, 0, n, 0))

# clamp takes a date that ran over the end of its month back to the month's last day: when
# the day of the month is not the start's, the date went that many days into the next month.
clamp(t) := t if {
	time.date(t)[2] == start_day
} else := t - (time.date(t)[2] * day_ns)
