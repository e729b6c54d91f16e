package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"text/tabwriter"

	"github.com/icpcheck/icpcheck"
	"github.com/icpcheck/icpcheck/advice"
	"github.com/spf13/cobra"
)

func (m *Main) adviseCommand() *cobra.Command {
	var (
		req                  advice.Request
		service, area, orig  string
		originProviderListed bool
		format               string
	)
	cmd := &cobra.Command{
		Use:   "advise",
		Short: "Tell what ICP filing a domain needs when OSS, CDN, WAF or Anti-DDoS Pro serves it",
		Long: "advise applies the provider's rules for its other services (SPEC section 7) to a domain: how it is\n" +
			"served (--service, and --cdn-area for CDN), where its origin is (--origin), and whether the provider\n" +
			"is listed in the domain's filing (--provider-listed) and in the filing of the domain used to fetch\n" +
			"from an origin on this provider (--origin-provider-listed, when that is another domain). Each rule\n" +
			"that applies is printed with its stable code, its verdict and its text in Chinese and English.",
		Example: "  icpcheck advise --domain www.example.com --service cdn --cdn-area global --origin this_provider --provider-listed=false",
		Args:    args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if format != "json" && format != "table" {
				return usageError{fmt.Errorf("--format %q: want json or table", format)}
			}
			p, err := m.Policy()
			if err != nil {
				return err
			}
			req.Service, req.CDNArea, req.Origin = advice.Service(service), advice.Area(area), advice.Origin(orig)
			if cmd.Flags().Changed("origin-provider-listed") {
				req.OriginProviderListed = &originProviderListed
			}
			a, err := advice.Advise(req, p)
			var e *icpcheck.Error
			if errors.As(err, &e) && e.Code == icpcheck.EINVALID {
				// The request is made of flags, so a refused field is bad usage.
				return usageError{fmt.Errorf("--%s: %s", flagOf(e.Field), icpcheck.ErrorMessage(m.lang, &icpcheck.Error{Code: e.Code, Reason: e.Reason, Params: e.Params}))}
			} else if err != nil {
				return err
			}
			if format == "table" {
				w := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
				for _, it := range a.Items {
					fmt.Fprintf(w, "%s\t%s\t%s\n", it.Code, it.Verdict, it.Text.In(m.lang))
				}
				return w.Flush()
			}
			enc := json.NewEncoder(m.Stdout)
			enc.SetEscapeHTML(false)
			enc.SetIndent("", "  ")
			return enc.Encode(a)
		},
	}
	f := cmd.Flags()
	f.StringVar(&req.Domain, "domain", "", "the domain served (required)")
	f.StringVar(&service, "service", "", "how it is served: oss (custom domain), cdn, waf or anti_ddos (required)")
	f.StringVar(&area, "cdn-area", "", "CDN only: mainland, global or outside_mainland")
	f.StringVar(&orig, "origin", "", "where the origin is: this_provider, other_provider or self_managed (required but for oss)")
	f.BoolVar(&req.ProviderListed, "provider-listed", false, "the provider is listed in the domain's ICP filing")
	f.BoolVar(&originProviderListed, "origin-provider-listed", false, "the provider is listed in the filing of the domain used to fetch from the origin (when another domain)")
	f.StringVar(&format, "format", "json", "output: json or table")
	return cmd
}

// flagOf returns the flag that sets an advice.Request field.
func flagOf(field string) string {
	switch field {
	case "cdn_area":
		return "cdn-area"
	case "origin_provider_listed":
		return "origin-provider-listed"
	}
	return field
}
