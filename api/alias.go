package api

import (
	"context"
	"encoding/json"
	"errors"
	"slices"

	"github.com/stepflow/stepflow/store"
)

type routingEntryJSON struct {
	StateMachineVersionArn *string `json:"stateMachineVersionArn"`
	Weight                 *int64  `json:"weight"`
}

// checkRouting validates a routing configuration against AWS's rules: one or two distinct
// versions of the alias's state machine that exist, with weights from 0 to 100 adding up to 100.
func (s *Server) checkRouting(ctx context.Context, v *validationErrors, field string, routing []routingEntryJSON, machineARN string) ([]store.RoutingEntry, error) {
	if len(routing) < 1 || len(routing) > 2 {
		v.add(nil, field, "have length between 1 and 2")
	}
	for _, r := range routing {
		v.required(field+".member.stateMachineVersionArn", r.StateMachineVersionArn != nil)
		v.required(field+".member.weight", r.Weight != nil)
		v.intRange(field+".member.weight", r.Weight, 0, 100)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	invalidRouting := func(format string, args ...any) *Error {
		e := clientError(codeValidation, format, args...)
		e.Fields = map[string]any{"reason": "INVALID_ROUTING_CONFIGURATION"}
		return e
	}
	var entries []store.RoutingEntry
	total := int64(0)
	for _, r := range routing {
		ref, err := parseMachineRef(*r.StateMachineVersionArn)
		if err != nil {
			return nil, err
		}
		if ref.Version == 0 {
			return nil, invalidArn(ref.ARN)
		}
		if machineARN != "" && ref.MachineARN != machineARN {
			return nil, invalidRouting("Routing configuration must contain versions of the same state machine: '%s'", ref.ARN)
		}
		machineARN = ref.MachineARN
		if slices.ContainsFunc(entries, func(e store.RoutingEntry) bool { return e.StateMachineVersionARN == ref.ARN }) {
			return nil, invalidRouting("Routing configuration must contain distinct version ARNs: '%s'", ref.ARN)
		}
		if _, err := s.store.StateMachineVersionGetByARN(ctx, &store.StateMachineVersionGetByARNParams{ARN: ref.ARN}); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return nil, resourceNotFound(ref.ARN)
			}
			return nil, err
		}
		total += *r.Weight
		entries = append(entries, store.RoutingEntry{StateMachineVersionARN: ref.ARN, Weight: int(*r.Weight)})
	}
	if total != 100 {
		return nil, invalidRouting("Sum of routing configuration weights must equal 100, got %d", total)
	}
	return entries, nil
}

func routingJSON(entries []store.RoutingEntry) []store.RoutingEntry {
	if entries == nil {
		return []store.RoutingEntry{}
	}
	return entries
}

type createStateMachineAliasInput struct {
	Name                 *string            `json:"name"`
	Description          *string            `json:"description"`
	RoutingConfiguration []routingEntryJSON `json:"routingConfiguration"`
}

type createStateMachineAliasOutput struct {
	StateMachineAliasArn string      `json:"stateMachineAliasArn"`
	CreationDate         json.Number `json:"creationDate"`
}

func (s *Server) createStateMachineAlias(ctx context.Context, in *createStateMachineAliasInput) (*createStateMachineAliasOutput, error) {
	var v validationErrors
	v.required("name", in.Name != nil)
	v.required("routingConfiguration", in.RoutingConfiguration != nil)
	v.length("name", in.Name, 1, maxNameLength)
	v.length("description", in.Description, 0, 256)
	if in.Name != nil && len(*in.Name) >= 1 && len(*in.Name) <= maxNameLength && !validAliasName(*in.Name) {
		v.add(*in.Name, "name", `satisfy regular expression pattern: ^(?=.*[a-zA-Z_\-\.])[a-zA-Z0-9_\-\.]+$`)
	}
	routing, err := s.checkRouting(ctx, &v, "routingConfiguration", in.RoutingConfiguration, "")
	if err != nil {
		return nil, err
	}
	machineARN := routing[0].StateMachineVersionARN
	ref, _ := parseMachineRef(machineARN)
	sm, err := s.getMachine(ctx, ref.MachineARN)
	if err != nil {
		return nil, err
	}
	arn := sm.ARN + ":" + *in.Name
	existing, err := s.store.StateMachineAliasGetByARN(ctx, &store.StateMachineAliasGetByARNParams{ARN: arn})
	switch {
	case err == nil:
		if existing.Description == ptrOr(in.Description, "") && slices.Equal(existing.Routing, routing) {
			return &createStateMachineAliasOutput{StateMachineAliasArn: arn, CreationDate: epoch(existing.CreatedDate)}, nil
		}
		return nil, clientError(codeConflict, "Failed to create alias because an alias with the same name and a different routing configuration already exists: '%s'", arn)
	case !errors.Is(err, store.ErrNotFound):
		return nil, err
	}
	alias, err := s.store.StateMachineAliasCreate(ctx, &store.StateMachineAliasCreateParams{
		ARN: arn, StateMachineARN: sm.ARN, Name: *in.Name, Description: ptrOr(in.Description, ""),
		Routing: routing, CreatedDate: store.Stamp(s.now()),
	})
	if err != nil {
		return nil, err
	}
	return &createStateMachineAliasOutput{StateMachineAliasArn: alias.ARN, CreationDate: epoch(alias.CreatedDate)}, nil
}

type aliasARNInput struct {
	StateMachineAliasArn *string `json:"stateMachineAliasArn"`
}

// aliasRef checks an alias ARN.
func aliasRef(v *validationErrors, arn *string) (machineRef, error) {
	v.required("stateMachineAliasArn", arn != nil)
	v.length("stateMachineAliasArn", arn, 1, 256)
	if err := v.err(); err != nil {
		return machineRef{}, err
	}
	ref, err := parseMachineRef(*arn)
	if err != nil {
		return ref, err
	}
	if ref.Alias == "" {
		return ref, invalidArn(ref.ARN)
	}
	return ref, nil
}

func (s *Server) getAlias(ctx context.Context, arn string) (*store.StateMachineAlias, error) {
	alias, err := s.store.StateMachineAliasGetByARN(ctx, &store.StateMachineAliasGetByARNParams{ARN: arn})
	if errors.Is(err, store.ErrNotFound) {
		return nil, resourceNotFound(arn)
	}
	return alias, err
}

type describeStateMachineAliasOutput struct {
	StateMachineAliasArn string               `json:"stateMachineAliasArn"`
	Name                 string               `json:"name"`
	Description          string               `json:"description,omitempty"`
	RoutingConfiguration []store.RoutingEntry `json:"routingConfiguration"`
	CreationDate         json.Number          `json:"creationDate"`
	UpdateDate           json.Number          `json:"updateDate"`
}

func (s *Server) describeStateMachineAlias(ctx context.Context, in *aliasARNInput) (*describeStateMachineAliasOutput, error) {
	var v validationErrors
	ref, err := aliasRef(&v, in.StateMachineAliasArn)
	if err != nil {
		return nil, err
	}
	alias, err := s.getAlias(ctx, ref.ARN)
	if err != nil {
		return nil, err
	}
	return &describeStateMachineAliasOutput{
		StateMachineAliasArn: alias.ARN, Name: alias.Name, Description: alias.Description,
		RoutingConfiguration: routingJSON(alias.Routing),
		CreationDate:         epoch(alias.CreatedDate), UpdateDate: epoch(alias.UpdatedDate),
	}, nil
}

type updateStateMachineAliasInput struct {
	StateMachineAliasArn *string            `json:"stateMachineAliasArn"`
	Description          *string            `json:"description"`
	RoutingConfiguration []routingEntryJSON `json:"routingConfiguration"`
}

type updateStateMachineAliasOutput struct {
	UpdateDate json.Number `json:"updateDate"`
}

func (s *Server) updateStateMachineAlias(ctx context.Context, in *updateStateMachineAliasInput) (*updateStateMachineAliasOutput, error) {
	var v validationErrors
	v.length("description", in.Description, 0, 256)
	ref, err := aliasRef(&v, in.StateMachineAliasArn)
	if err != nil {
		return nil, err
	}
	if in.Description == nil && in.RoutingConfiguration == nil {
		return nil, clientError(codeMissingRequiredParameter, "Either the description or the RoutingConfiguration must be specified")
	}
	var routing []store.RoutingEntry
	if in.RoutingConfiguration != nil {
		if routing, err = s.checkRouting(ctx, &v, "routingConfiguration", in.RoutingConfiguration, ref.MachineARN); err != nil {
			return nil, err
		}
	}
	if _, err := s.getAlias(ctx, ref.ARN); err != nil {
		return nil, err
	}
	alias, err := s.store.StateMachineAliasUpdate(ctx, &store.StateMachineAliasUpdateParams{
		ARN: ref.ARN, Description: in.Description, Routing: routing, UpdatedDate: store.Stamp(s.now()),
	})
	s.engine.ForgetTargets() // the next start reads the change
	if err != nil {
		return nil, err
	}
	return &updateStateMachineAliasOutput{UpdateDate: epoch(alias.UpdatedDate)}, nil
}

func (s *Server) deleteStateMachineAlias(ctx context.Context, in *aliasARNInput) (*emptyOutput, error) {
	var v validationErrors
	ref, err := aliasRef(&v, in.StateMachineAliasArn)
	if err != nil {
		return nil, err
	}
	err = s.store.StateMachineAliasDelete(ctx, &store.StateMachineAliasDeleteParams{ARN: ref.ARN})
	s.engine.ForgetTargets() // the next start reads the change
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, resourceNotFound(ref.ARN)
		}
		return nil, err
	}
	return &emptyOutput{}, nil
}

type listStateMachineAliasesInput struct {
	listInput
	StateMachineArn *string `json:"stateMachineArn"`
}

type aliasListItem struct {
	StateMachineAliasArn string      `json:"stateMachineAliasArn"`
	CreationDate         json.Number `json:"creationDate"`
}

type listStateMachineAliasesOutput struct {
	StateMachineAliases []aliasListItem `json:"stateMachineAliases"`
	NextToken           string          `json:"nextToken,omitempty"`
}

func (s *Server) listStateMachineAliases(ctx context.Context, in *listStateMachineAliasesInput) (*listStateMachineAliasesOutput, error) {
	var v validationErrors
	v.required("stateMachineArn", in.StateMachineArn != nil)
	v.length("stateMachineArn", in.StateMachineArn, 1, 256)
	in.check(&v)
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
		if _, err := s.store.StateMachineVersionGetByARN(ctx, &store.StateMachineVersionGetByARNParams{ARN: ref.ARN}); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return nil, resourceNotFound(ref.ARN)
			}
			return nil, err
		}
	} else if _, err := s.store.StateMachineGetByARN(ctx, &store.StateMachineGetByARNParams{ARN: ref.MachineARN}); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, stateMachineDoesNotExist(ref.MachineARN)
		}
		return nil, err
	}
	maxResults, token := in.page()
	res, err := s.store.StateMachineAliasList(ctx, &store.StateMachineAliasListParams{StateMachineARN: ref.MachineARN, MaxResults: maxResults, NextToken: token})
	if err != nil {
		return nil, err
	}
	out := &listStateMachineAliasesOutput{StateMachineAliases: []aliasListItem{}, NextToken: res.NextToken}
	for _, a := range res.Aliases {
		if ref.Version > 0 && !slices.ContainsFunc(a.Routing, func(r store.RoutingEntry) bool { return r.StateMachineVersionARN == ref.ARN }) {
			continue
		}
		out.StateMachineAliases = append(out.StateMachineAliases, aliasListItem{StateMachineAliasArn: a.ARN, CreationDate: epoch(a.CreatedDate)})
	}
	return out, nil
}
