package sfn

import "strings"

// ResourceKind classifies a Task state's Resource ARN.
type ResourceKind int

// Resource kinds.
const (
	ResourceUnknown        ResourceKind = iota
	ResourceLambdaFunction              // arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]
	ResourceActivity                    // arn:aws:states:REGION:ACCOUNT:activity:NAME
	ResourceIntegration                 // arn:aws:states:::SERVICE:ACTION[.sync|.sync:2|.waitForTaskToken]
)

// Resource is a parsed Task Resource ARN.
type Resource struct {
	ARN  string
	Kind ResourceKind
	// For ResourceIntegration: Service "lambda", Action "invoke" (for aws-sdk integrations,
	// Service "aws-sdk:s3" style is kept whole as AWS writes resourceType in history).
	Service string
	Action  string
	// Pattern is "" (request-response), "sync", "sync:2" or "waitForTaskToken".
	Pattern string
	// Name is the function or activity name; Qualifier the Lambda version or alias.
	Name      string
	Qualifier string
	Region    string
	Account   string
}

// WaitsForTaskToken reports whether the task pauses until SendTaskSuccess/Failure with its token.
func (r Resource) WaitsForTaskToken() bool { return r.Pattern == "waitForTaskToken" }

// ParseResource classifies a Resource ARN. It never fails: an ARN it does not recognise
// comes back as ResourceUnknown, for the validator and the task router to report.
func ParseResource(arn string) Resource {
	r := Resource{ARN: arn}
	parts := strings.Split(arn, ":")
	if len(parts) < 6 || parts[0] != "arn" {
		return r
	}
	r.Region, r.Account = parts[3], parts[4]
	switch {
	case parts[2] == "lambda" && parts[5] == "function" && len(parts) >= 7 && len(parts) <= 8:
		r.Kind, r.Name = ResourceLambdaFunction, parts[6]
		if len(parts) == 8 {
			r.Qualifier = parts[7]
		}
	case parts[2] == "states" && parts[5] == "activity" && len(parts) == 7:
		r.Kind, r.Name = ResourceActivity, parts[6]
	case parts[2] == "states" && parts[3] == "" && parts[4] == "" && len(parts) >= 7:
		r.Kind = ResourceIntegration
		service := parts[5]
		action := strings.Join(parts[6:], ":")
		if service == "aws-sdk" && len(parts) >= 8 {
			service = "aws-sdk:" + parts[6]
			action = strings.Join(parts[7:], ":")
		}
		for _, p := range []string{".waitForTaskToken", ".sync:2", ".sync"} {
			if strings.HasSuffix(action, p) {
				action, r.Pattern = strings.TrimSuffix(action, p), p[1:]
				break
			}
		}
		r.Service, r.Action = service, action
	}
	return r
}
