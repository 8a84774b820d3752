package api

import (
	"context"
	"encoding/json"
	"errors"
	"strings"

	"github.com/stepflow/stepflow/asl"
	"github.com/stepflow/stepflow/interp"
	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
)

// Defaults DescribeStateMachine reports for configurations that were never set.
const (
	defaultLoggingConfiguration = `{"level":"OFF","includeExecutionData":false}`
	defaultTracingConfiguration = `{"enabled":false}`
)

type loggingConfiguration struct {
	Level                *string           `json:"level,omitempty"`
	IncludeExecutionData *bool             `json:"includeExecutionData,omitempty"`
	Destinations         []json.RawMessage `json:"destinations,omitempty"`
}

type tracingConfiguration struct {
	Enabled *bool `json:"enabled,omitempty"`
}

type createStateMachineInput struct {
	Name                    *string               `json:"name"`
	Definition              *string               `json:"definition"`
	RoleArn                 *string               `json:"roleArn"`
	Type                    *string               `json:"type"`
	LoggingConfiguration    *loggingConfiguration `json:"loggingConfiguration"`
	TracingConfiguration    *tracingConfiguration `json:"tracingConfiguration"`
	EncryptionConfiguration json.RawMessage       `json:"encryptionConfiguration"`
	Tags                    []tagJSON             `json:"tags"`
	Publish                 bool                  `json:"publish"`
	VersionDescription      *string               `json:"versionDescription"`
}

type createStateMachineOutput struct {
	StateMachineArn        string      `json:"stateMachineArn"`
	CreationDate           json.Number `json:"creationDate"`
	StateMachineVersionArn string      `json:"stateMachineVersionArn,omitempty"`
}

// checkConfigurations validates the logging and tracing configurations and returns their
// JSON text ("" when not given).
func checkConfigurations(v *validationErrors, logging *loggingConfiguration, tracing *tracingConfiguration) (loggingText, tracingText string, err error) {
	if logging != nil {
		v.enum("loggingConfiguration.level", logging.Level, "ALL", "ERROR", "FATAL", "OFF")
		if len(logging.Destinations) > 1 {
			return "", "", clientError(codeInvalidLoggingConfiguration, "Invalid Logging Configuration: Must specify exactly one Log Destination.")
		}
		if ptrOr(logging.Level, "OFF") != "OFF" && len(logging.Destinations) == 0 {
			return "", "", clientError(codeInvalidLoggingConfiguration, "Invalid Logging Configuration: Must specify exactly one Log Destination.")
		}
		full := loggingConfiguration{Level: logging.Level, IncludeExecutionData: logging.IncludeExecutionData, Destinations: logging.Destinations}
		if full.Level == nil {
			full.Level = new("OFF")
		}
		if full.IncludeExecutionData == nil {
			full.IncludeExecutionData = new(false)
		}
		data, _ := json.Marshal(full)
		loggingText = string(data)
	}
	if tracing != nil {
		data, _ := json.Marshal(map[string]bool{"enabled": ptrOr(tracing.Enabled, false)})
		tracingText = string(data)
	}
	return loggingText, tracingText, nil
}

func (s *Server) createStateMachine(ctx context.Context, in *createStateMachineInput) (*createStateMachineOutput, error) {
	var v validationErrors
	v.required("name", in.Name != nil)
	v.required("definition", in.Definition != nil)
	v.required("roleArn", in.RoleArn != nil)
	v.length("name", in.Name, 1, maxNameLength)
	v.length("definition", in.Definition, 1, maxDefinitionLength)
	v.length("roleArn", in.RoleArn, 1, 256)
	v.enum("type", in.Type, string(sfn.TypeStandard), string(sfn.TypeExpress))
	v.length("versionDescription", in.VersionDescription, 0, 256)
	checkTags(&v, "tags", in.Tags)
	loggingText, tracingText, err := checkConfigurations(&v, in.LoggingConfiguration, in.TracingConfiguration)
	if err := v.err(); err != nil {
		return nil, err
	}
	if err != nil {
		return nil, err
	}
	if !validName(*in.Name) {
		return nil, invalidName(*in.Name)
	}
	if !strings.HasPrefix(*in.RoleArn, "arn:") {
		return nil, clientError(codeInvalidArn, "Invalid Arn: 'Invalid ARN prefix: %s'", *in.RoleArn)
	}
	if err := s.assumableRole(ctx, *in.RoleArn); err != nil {
		return nil, err
	}
	if in.VersionDescription != nil && !in.Publish {
		return nil, clientError(codeValidation, "Version description can only be set when publish is true")
	}
	if len(in.Tags) > maxTags {
		return nil, tooManyTags(*in.Name)
	}
	typ := sfn.StateMachineType(ptrOr(in.Type, string(sfn.TypeStandard)))
	if err := checkDefinition(*in.Definition, typ); err != nil {
		return nil, err
	}

	arn := s.scope.StateMachineARN(*in.Name)
	existing, err := s.store.StateMachineGetByARN(ctx, &store.StateMachineGetByARNParams{ARN: arn})
	switch {
	case err == nil:
		// AWS's idempotency: the same name, definition, type and configurations answer with the
		// existing machine; the role and tags of the repeated request are ignored.
		if existing.Definition != *in.Definition || existing.Type != typ ||
			!sameConfiguration(existing.LoggingConfiguration, loggingText) ||
			!sameConfiguration(existing.TracingConfiguration, tracingText) {
			return nil, clientError(codeStateMachineAlreadyExists, "State Machine Already Exists: '%s'", arn)
		}
		out := &createStateMachineOutput{StateMachineArn: arn, CreationDate: epoch(existing.CreatedDate)}
		if in.Publish {
			version, err := s.publishVersion(ctx, existing, ptrOr(in.VersionDescription, ""))
			if err != nil {
				return nil, err
			}
			out.StateMachineVersionArn = version.ARN
		}
		return out, nil
	case !errors.Is(err, store.ErrNotFound):
		return nil, err
	}

	sm, err := s.store.StateMachineCreate(ctx, &store.StateMachineCreateParams{
		ARN:                  arn,
		Name:                 *in.Name,
		Type:                 typ,
		Definition:           *in.Definition,
		RoleARN:              *in.RoleArn,
		LoggingConfiguration: loggingText,
		TracingConfiguration: tracingText,
		RevisionID:           newUUID(),
		CreatedDate:          store.Stamp(s.now()),
	})
	if errors.Is(err, store.ErrAlreadyExists) {
		return nil, clientError(codeStateMachineAlreadyExists, "State Machine Already Exists: '%s'", arn)
	}
	if err != nil {
		return nil, err
	}
	if len(in.Tags) > 0 {
		if err := s.store.TagSet(ctx, &store.TagSetParams{ResourceARN: arn, Tags: storeTags(in.Tags)}); err != nil {
			return nil, err
		}
	}
	out := &createStateMachineOutput{StateMachineArn: sm.ARN, CreationDate: epoch(sm.CreatedDate)}
	if in.Publish {
		version, err := s.store.StateMachineVersionCreate(ctx, &store.StateMachineVersionCreateParams{
			StateMachineARN: arn, Description: ptrOr(in.VersionDescription, ""), CreatedDate: sm.CreatedDate,
		})
		if err != nil {
			return nil, err
		}
		out.StateMachineVersionArn = version.ARN
	}
	return out, nil
}

// sameConfiguration compares a stored configuration with a requested one; an unset one is the
// default.
func sameConfiguration(stored, requested string) bool {
	return stored == requested || stored == "" || requested == ""
}

// getMachine looks a state machine up by its unqualified ARN.
func (s *Server) getMachine(ctx context.Context, arn string) (*store.StateMachine, error) {
	sm, err := s.store.StateMachineGetByARN(ctx, &store.StateMachineGetByARNParams{ARN: arn})
	if errors.Is(err, store.ErrNotFound) {
		return nil, stateMachineDoesNotExist(arn)
	}
	return sm, err
}

type describeStateMachineInput struct {
	StateMachineArn *string `json:"stateMachineArn"`
	IncludedData    *string `json:"includedData"`
}

type describeStateMachineOutput struct {
	StateMachineArn      string          `json:"stateMachineArn"`
	Name                 string          `json:"name"`
	Status               string          `json:"status,omitempty"`
	Definition           string          `json:"definition"`
	RoleArn              string          `json:"roleArn"`
	Type                 string          `json:"type"`
	CreationDate         json.Number     `json:"creationDate"`
	LoggingConfiguration json.RawMessage `json:"loggingConfiguration,omitempty"`
	TracingConfiguration json.RawMessage `json:"tracingConfiguration,omitempty"`
	Label                string          `json:"label,omitempty"`
	RevisionID           string          `json:"revisionId,omitempty"`
	Description          string          `json:"description,omitempty"`
}

func configurationOrDefault(text, def string) json.RawMessage {
	if text == "" {
		return json.RawMessage(def)
	}
	return json.RawMessage(text)
}

func (s *Server) describeStateMachine(ctx context.Context, in *describeStateMachineInput) (*describeStateMachineOutput, error) {
	var v validationErrors
	v.required("stateMachineArn", in.StateMachineArn != nil)
	v.length("stateMachineArn", in.StateMachineArn, 1, 2000)
	v.enum("includedData", in.IncludedData, "ALL_DATA", "METADATA_ONLY")
	if err := v.err(); err != nil {
		return nil, err
	}
	ref, err := parseMachineRef(*in.StateMachineArn)
	if err != nil {
		return nil, err
	}
	if ref.Alias != "" {
		return nil, invalidArn(ref.ARN)
	}
	if ref.Version > 0 {
		version, err := s.store.StateMachineVersionGetByARN(ctx, &store.StateMachineVersionGetByARNParams{ARN: ref.ARN})
		if errors.Is(err, store.ErrNotFound) {
			return nil, stateMachineDoesNotExist(ref.ARN)
		}
		if err != nil {
			return nil, err
		}
		return &describeStateMachineOutput{
			StateMachineArn:      version.ARN,
			Name:                 ref.Name,
			Status:               "ACTIVE",
			Definition:           version.Definition,
			RoleArn:              version.RoleARN,
			Type:                 string(version.Type),
			CreationDate:         epoch(version.CreatedDate),
			LoggingConfiguration: configurationOrDefault(version.LoggingConfiguration, defaultLoggingConfiguration),
			TracingConfiguration: configurationOrDefault(version.TracingConfiguration, defaultTracingConfiguration),
			RevisionID:           version.RevisionID,
			Description:          version.Description,
		}, nil
	}
	sm, err := s.getMachine(ctx, ref.MachineARN)
	if err != nil {
		return nil, err
	}
	return &describeStateMachineOutput{
		StateMachineArn:      sm.ARN,
		Name:                 sm.Name,
		Status:               "ACTIVE",
		Definition:           sm.Definition,
		RoleArn:              sm.RoleARN,
		Type:                 string(sm.Type),
		CreationDate:         epoch(sm.CreatedDate),
		LoggingConfiguration: configurationOrDefault(sm.LoggingConfiguration, defaultLoggingConfiguration),
		TracingConfiguration: configurationOrDefault(sm.TracingConfiguration, defaultTracingConfiguration),
		RevisionID:           sm.RevisionID,
		Description:          sm.Description,
	}, nil
}

type updateStateMachineInput struct {
	StateMachineArn         *string               `json:"stateMachineArn"`
	Definition              *string               `json:"definition"`
	RoleArn                 *string               `json:"roleArn"`
	LoggingConfiguration    *loggingConfiguration `json:"loggingConfiguration"`
	TracingConfiguration    *tracingConfiguration `json:"tracingConfiguration"`
	EncryptionConfiguration json.RawMessage       `json:"encryptionConfiguration"`
	Publish                 bool                  `json:"publish"`
	VersionDescription      *string               `json:"versionDescription"`
}

type updateStateMachineOutput struct {
	UpdateDate             json.Number `json:"updateDate"`
	RevisionID             string      `json:"revisionId,omitempty"`
	StateMachineVersionArn string      `json:"stateMachineVersionArn,omitempty"`
}

func (s *Server) updateStateMachine(ctx context.Context, in *updateStateMachineInput) (*updateStateMachineOutput, error) {
	var v validationErrors
	v.required("stateMachineArn", in.StateMachineArn != nil)
	v.length("stateMachineArn", in.StateMachineArn, 1, 256)
	v.length("definition", in.Definition, 1, maxDefinitionLength)
	v.length("roleArn", in.RoleArn, 1, 256)
	v.length("versionDescription", in.VersionDescription, 0, 256)
	loggingText, tracingText, err := checkConfigurations(&v, in.LoggingConfiguration, in.TracingConfiguration)
	if err := v.err(); err != nil {
		return nil, err
	}
	if err != nil {
		return nil, err
	}
	ref, err := parseUnqualifiedMachineARN(*in.StateMachineArn)
	if err != nil {
		return nil, err
	}
	if in.Definition == nil && in.RoleArn == nil && in.LoggingConfiguration == nil &&
		in.TracingConfiguration == nil && in.EncryptionConfiguration == nil {
		return nil, clientError(codeMissingRequiredParameter, "Either the definition, the role ARN, the LoggingConfiguration, the EncryptionConfiguration or the TracingConfiguration must be specified")
	}
	if in.VersionDescription != nil && !in.Publish {
		return nil, clientError(codeValidation, "Version description can only be set when publish is true")
	}
	if in.RoleArn != nil && !strings.HasPrefix(*in.RoleArn, "arn:") {
		return nil, clientError(codeInvalidArn, "Invalid Arn: 'Invalid ARN prefix: %s'", *in.RoleArn)
	}
	if in.RoleArn != nil {
		if err := s.assumableRole(ctx, *in.RoleArn); err != nil {
			return nil, err
		}
	}
	sm, err := s.getMachine(ctx, ref.MachineARN)
	if err != nil {
		return nil, err
	}
	if in.Definition != nil {
		if err := checkDefinition(*in.Definition, sm.Type); err != nil {
			return nil, err
		}
	}
	params := &store.StateMachineUpdateParams{
		ARN:         sm.ARN,
		Definition:  in.Definition,
		RoleARN:     in.RoleArn,
		RevisionID:  sm.RevisionID,
		UpdatedDate: store.Stamp(s.now()),
	}
	if in.LoggingConfiguration != nil {
		params.LoggingConfiguration = &loggingText
	}
	if in.TracingConfiguration != nil {
		params.TracingConfiguration = &tracingText
	}
	// A new revision only when something changed, so that publishing twice without a change
	// finds the same revision.
	changed := (in.Definition != nil && *in.Definition != sm.Definition) ||
		(in.RoleArn != nil && *in.RoleArn != sm.RoleARN) ||
		(params.LoggingConfiguration != nil && loggingText != sm.LoggingConfiguration) ||
		(params.TracingConfiguration != nil && tracingText != sm.TracingConfiguration)
	if changed {
		params.RevisionID = newUUID()
	}
	updated, err := s.store.StateMachineUpdate(ctx, params)
	s.engine.ForgetTargets() // the next start reads the change
	if err != nil {
		return nil, err
	}
	out := &updateStateMachineOutput{UpdateDate: epoch(updated.UpdatedDate), RevisionID: updated.RevisionID}
	if in.Publish {
		version, err := s.publishVersion(ctx, updated, ptrOr(in.VersionDescription, ""))
		if err != nil {
			return nil, err
		}
		out.StateMachineVersionArn = version.ARN
	}
	return out, nil
}

type deleteStateMachineInput struct {
	StateMachineArn *string `json:"stateMachineArn"`
}

type emptyOutput struct{}

func (s *Server) deleteStateMachine(ctx context.Context, in *deleteStateMachineInput) (*emptyOutput, error) {
	var v validationErrors
	v.required("stateMachineArn", in.StateMachineArn != nil)
	v.length("stateMachineArn", in.StateMachineArn, 1, 256)
	if err := v.err(); err != nil {
		return nil, err
	}
	ref, err := parseMachineRef(*in.StateMachineArn)
	if err != nil {
		return nil, err
	}
	if ref.qualified() {
		e := clientError(codeValidation, "Service does not support deleting a qualified state machine ARN '%s': use DeleteStateMachineVersion or DeleteStateMachineAlias", ref.ARN)
		e.Fields = map[string]any{"reason": "API_DOES_NOT_SUPPORT_LABELED_ARNS"}
		return nil, e
	}
	// Deleting a state machine that does not exist succeeds, as on AWS.
	err = s.store.StateMachineDelete(ctx, &store.StateMachineDeleteParams{ARN: ref.MachineARN})
	s.engine.ForgetTargets() // the next start reads the change
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	return &emptyOutput{}, nil
}

type listInput struct {
	MaxResults *int64  `json:"maxResults"`
	NextToken  *string `json:"nextToken"`
}

// check validates the paging members shared by all listings.
func (l *listInput) check(v *validationErrors) {
	v.intRange("maxResults", l.MaxResults, 0, 1000)
	v.length("nextToken", l.NextToken, 1, 1024)
}

func (l *listInput) page() (int, string) {
	return int(ptrOr(l.MaxResults, 0)), ptrOr(l.NextToken, "")
}

type stateMachineListItem struct {
	StateMachineArn string      `json:"stateMachineArn"`
	Name            string      `json:"name"`
	Type            string      `json:"type"`
	CreationDate    json.Number `json:"creationDate"`
}

type listStateMachinesOutput struct {
	StateMachines []stateMachineListItem `json:"stateMachines"`
	NextToken     string                 `json:"nextToken,omitempty"`
}

func (s *Server) listStateMachines(ctx context.Context, in *listInput) (*listStateMachinesOutput, error) {
	var v validationErrors
	in.check(&v)
	if err := v.err(); err != nil {
		return nil, err
	}
	maxResults, token := in.page()
	res, err := s.store.StateMachineList(ctx, &store.StateMachineListParams{MaxResults: maxResults, NextToken: token})
	if err != nil {
		return nil, err
	}
	out := &listStateMachinesOutput{StateMachines: []stateMachineListItem{}, NextToken: res.NextToken}
	for _, sm := range res.StateMachines {
		out.StateMachines = append(out.StateMachines, stateMachineListItem{
			StateMachineArn: sm.ARN, Name: sm.Name, Type: string(sm.Type), CreationDate: epoch(sm.CreatedDate),
		})
	}
	return out, nil
}

type describeStateMachineForExecutionInput struct {
	ExecutionArn *string `json:"executionArn"`
	IncludedData *string `json:"includedData"`
}

type describeStateMachineForExecutionOutput struct {
	StateMachineArn      string          `json:"stateMachineArn"`
	Name                 string          `json:"name"`
	Definition           string          `json:"definition"`
	RoleArn              string          `json:"roleArn"`
	UpdateDate           json.Number     `json:"updateDate"`
	LoggingConfiguration json.RawMessage `json:"loggingConfiguration,omitempty"`
	TracingConfiguration json.RawMessage `json:"tracingConfiguration,omitempty"`
	RevisionID           string          `json:"revisionId,omitempty"`
	MapRunArn            string          `json:"mapRunArn,omitempty"`
	Label                string          `json:"label,omitempty"`
}

func (s *Server) describeStateMachineForExecution(ctx context.Context, in *describeStateMachineForExecutionInput) (*describeStateMachineForExecutionOutput, error) {
	var v validationErrors
	v.required("executionArn", in.ExecutionArn != nil)
	v.length("executionArn", in.ExecutionArn, 1, 2048)
	v.enum("includedData", in.IncludedData, "ALL_DATA", "METADATA_ONLY")
	if err := v.err(); err != nil {
		return nil, err
	}
	exec, child, err := s.getExecutionOrChild(ctx, *in.ExecutionArn)
	if err != nil {
		return nil, err
	}
	if child != nil {
		// A Distributed Map's child runs its parent's definition under the run's labelled
		// machine, and says which run and label (fields AWS gives for children only).
		parentIn := *in
		parentIn.ExecutionArn = &child.ParentARN
		out, err := s.describeStateMachineForExecution(ctx, &parentIn)
		if err != nil {
			return nil, err
		}
		out.StateMachineArn, out.MapRunArn, out.Label = child.StateMachineARN, child.MapRunARN, mapRunLabel(child.MapRunARN)
		if a, err := sfn.ParseARN(child.StateMachineARN); err == nil {
			out.Name = a.Resource
		}
		return out, nil
	}
	if exec.StateMachineVersionARN != "" {
		version, err := s.store.StateMachineVersionGetByARN(ctx, &store.StateMachineVersionGetByARNParams{ARN: exec.StateMachineVersionARN})
		if err == nil {
			ref, _ := parseMachineRef(version.StateMachineARN)
			return &describeStateMachineForExecutionOutput{
				StateMachineArn:      version.StateMachineARN,
				Name:                 ref.Name,
				Definition:           version.Definition,
				RoleArn:              version.RoleARN,
				UpdateDate:           epoch(version.CreatedDate),
				LoggingConfiguration: configurationOrDefault(version.LoggingConfiguration, defaultLoggingConfiguration),
				TracingConfiguration: configurationOrDefault(version.TracingConfiguration, defaultTracingConfiguration),
				RevisionID:           version.RevisionID,
			}, nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
	}
	sm, err := s.getMachine(ctx, exec.StateMachineARN)
	if err != nil {
		return nil, err
	}
	return &describeStateMachineForExecutionOutput{
		StateMachineArn:      sm.ARN,
		Name:                 sm.Name,
		Definition:           sm.Definition,
		RoleArn:              sm.RoleARN,
		UpdateDate:           epoch(sm.UpdatedDate),
		LoggingConfiguration: configurationOrDefault(sm.LoggingConfiguration, defaultLoggingConfiguration),
		TracingConfiguration: configurationOrDefault(sm.TracingConfiguration, defaultTracingConfiguration),
		RevisionID:           sm.RevisionID,
	}, nil
}

type validateStateMachineDefinitionInput struct {
	Definition *string `json:"definition"`
	Type       *string `json:"type"`
	Severity   *string `json:"severity"`
	MaxResults *int64  `json:"maxResults"`
}

type validateStateMachineDefinitionOutput struct {
	Result      string           `json:"result"`
	Diagnostics []asl.Diagnostic `json:"diagnostics"`
	Truncated   bool             `json:"truncated"`
}

func (s *Server) validateStateMachineDefinition(ctx context.Context, in *validateStateMachineDefinitionInput) (*validateStateMachineDefinitionOutput, error) {
	var v validationErrors
	v.required("definition", in.Definition != nil)
	v.length("definition", in.Definition, 1, maxDefinitionLength)
	v.enum("type", in.Type, string(sfn.TypeStandard), string(sfn.TypeExpress))
	v.enum("severity", in.Severity, string(asl.SeverityError), string(asl.SeverityWarning))
	v.intRange("maxResults", in.MaxResults, 0, 100)
	if err := v.err(); err != nil {
		return nil, err
	}
	_, diags := asl.Parse([]byte(*in.Definition), interp.DefinitionParseOptions(sfn.StateMachineType(ptrOr(in.Type, string(sfn.TypeStandard)))))
	withWarnings := ptrOr(in.Severity, string(asl.SeverityError)) == string(asl.SeverityWarning)
	limit := int(ptrOr(in.MaxResults, 0))
	if limit == 0 {
		limit = 100
	}
	out := &validateStateMachineDefinitionOutput{Result: "OK", Diagnostics: []asl.Diagnostic{}}
	if diags.HasErrors() {
		out.Result = "FAIL"
	}
	for _, d := range diags {
		if d.Severity != asl.SeverityError && !withWarnings {
			continue
		}
		if len(out.Diagnostics) == limit {
			out.Truncated = true
			break
		}
		out.Diagnostics = append(out.Diagnostics, d)
	}
	return out, nil
}
