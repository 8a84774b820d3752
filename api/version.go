package api

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/stepflow/stepflow/store"
)

// maxVersions is AWS's quota of versions per state machine.
const maxVersions = 1000

// publishVersion publishes the state machine's current revision, or returns the version that
// already holds it: publishing is idempotent per revision, as on AWS.
func (s *Server) publishVersion(ctx context.Context, sm *store.StateMachine, description string) (*store.StateMachineVersion, error) {
	latest, err := s.store.StateMachineVersionList(ctx, &store.StateMachineVersionListParams{StateMachineARN: sm.ARN, MaxResults: 1})
	if err != nil {
		return nil, err
	}
	if len(latest.Versions) > 0 && latest.Versions[0].RevisionID == sm.RevisionID {
		v := latest.Versions[0]
		if description != "" && description != v.Description {
			return nil, clientError(codeConflict, "Failed to publish the State Machine version for revision %s: version %s already has the description '%s'", sm.RevisionID, v.ARN, v.Description)
		}
		return v, nil
	}
	if len(latest.Versions) > 0 && latest.Versions[0].Number >= maxVersions {
		count, err := s.countVersions(ctx, sm.ARN)
		if err != nil {
			return nil, err
		}
		if count >= maxVersions {
			return nil, clientError(codeServiceQuotaExceeded, "The maximum number of versions (%d) has been reached for state machine '%s'", maxVersions, sm.ARN)
		}
	}
	return s.store.StateMachineVersionCreate(ctx, &store.StateMachineVersionCreateParams{
		StateMachineARN: sm.ARN, Description: description, CreatedDate: store.Stamp(s.now()),
	})
}

func (s *Server) countVersions(ctx context.Context, machineARN string) (int, error) {
	count, token := 0, ""
	for {
		page, err := s.store.StateMachineVersionList(ctx, &store.StateMachineVersionListParams{StateMachineARN: machineARN, MaxResults: store.MaxPageSize, NextToken: token})
		if err != nil {
			return 0, err
		}
		count += len(page.Versions)
		if page.NextToken == "" {
			return count, nil
		}
		token = page.NextToken
	}
}

type publishStateMachineVersionInput struct {
	StateMachineArn *string `json:"stateMachineArn"`
	RevisionID      *string `json:"revisionId"`
	Description     *string `json:"description"`
}

type publishStateMachineVersionOutput struct {
	CreationDate           json.Number `json:"creationDate"`
	StateMachineVersionArn string      `json:"stateMachineVersionArn"`
}

func (s *Server) publishStateMachineVersion(ctx context.Context, in *publishStateMachineVersionInput) (*publishStateMachineVersionOutput, error) {
	var v validationErrors
	v.required("stateMachineArn", in.StateMachineArn != nil)
	v.length("stateMachineArn", in.StateMachineArn, 1, 256)
	v.length("description", in.Description, 0, 256)
	if err := v.err(); err != nil {
		return nil, err
	}
	ref, err := parseUnqualifiedMachineARN(*in.StateMachineArn)
	if err != nil {
		return nil, err
	}
	sm, err := s.getMachine(ctx, ref.MachineARN)
	if err != nil {
		return nil, err
	}
	if in.RevisionID != nil && *in.RevisionID != sm.RevisionID {
		return nil, clientError(codeConflict, "Failed to publish the State Machine version for revision %s. The current State Machine revision is %s.", *in.RevisionID, sm.RevisionID)
	}
	version, err := s.publishVersion(ctx, sm, ptrOr(in.Description, ""))
	if err != nil {
		return nil, err
	}
	return &publishStateMachineVersionOutput{CreationDate: epoch(version.CreatedDate), StateMachineVersionArn: version.ARN}, nil
}

type listStateMachineVersionsInput struct {
	listInput
	StateMachineArn *string `json:"stateMachineArn"`
}

type versionListItem struct {
	StateMachineVersionArn string      `json:"stateMachineVersionArn"`
	CreationDate           json.Number `json:"creationDate"`
}

type listStateMachineVersionsOutput struct {
	StateMachineVersions []versionListItem `json:"stateMachineVersions"`
	NextToken            string            `json:"nextToken,omitempty"`
}

func (s *Server) listStateMachineVersions(ctx context.Context, in *listStateMachineVersionsInput) (*listStateMachineVersionsOutput, error) {
	var v validationErrors
	v.required("stateMachineArn", in.StateMachineArn != nil)
	v.length("stateMachineArn", in.StateMachineArn, 1, 256)
	in.check(&v)
	if err := v.err(); err != nil {
		return nil, err
	}
	ref, err := parseUnqualifiedMachineARN(*in.StateMachineArn)
	if err != nil {
		return nil, err
	}
	// A state machine that does not exist has no versions: AWS's ListStateMachineVersions
	// declares no StateMachineDoesNotExist error.
	maxResults, token := in.page()
	res, err := s.store.StateMachineVersionList(ctx, &store.StateMachineVersionListParams{StateMachineARN: ref.MachineARN, MaxResults: maxResults, NextToken: token})
	if err != nil {
		return nil, err
	}
	out := &listStateMachineVersionsOutput{StateMachineVersions: []versionListItem{}, NextToken: res.NextToken}
	for _, version := range res.Versions {
		out.StateMachineVersions = append(out.StateMachineVersions, versionListItem{StateMachineVersionArn: version.ARN, CreationDate: epoch(version.CreatedDate)})
	}
	return out, nil
}

type deleteStateMachineVersionInput struct {
	StateMachineVersionArn *string `json:"stateMachineVersionArn"`
}

func (s *Server) deleteStateMachineVersion(ctx context.Context, in *deleteStateMachineVersionInput) (*emptyOutput, error) {
	var v validationErrors
	v.required("stateMachineVersionArn", in.StateMachineVersionArn != nil)
	v.length("stateMachineVersionArn", in.StateMachineVersionArn, 1, 2000)
	if err := v.err(); err != nil {
		return nil, err
	}
	ref, err := parseMachineRef(*in.StateMachineVersionArn)
	if err != nil {
		return nil, err
	}
	if ref.Version == 0 {
		return nil, invalidArn(ref.ARN)
	}
	aliases, err := s.aliasesRouting(ctx, ref.MachineARN, ref.ARN)
	if err != nil {
		return nil, err
	}
	if len(aliases) > 0 {
		return nil, clientError(codeConflict, "Version to be deleted must not be referenced by an alias. Current list of aliases referencing this version: %v", aliases)
	}
	// Deleting a version that does not exist succeeds, as on AWS.
	err = s.store.StateMachineVersionDelete(ctx, &store.StateMachineVersionDeleteParams{ARN: ref.ARN})
	s.engine.ForgetTargets() // the next start reads the change
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	return &emptyOutput{}, nil
}

// aliasesRouting lists the ARNs of the machine's aliases that route to the version.
func (s *Server) aliasesRouting(ctx context.Context, machineARN, versionARN string) ([]string, error) {
	var arns []string
	token := ""
	for {
		page, err := s.store.StateMachineAliasList(ctx, &store.StateMachineAliasListParams{StateMachineARN: machineARN, MaxResults: store.MaxPageSize, NextToken: token})
		if err != nil {
			return nil, err
		}
		for _, a := range page.Aliases {
			for _, r := range a.Routing {
				if r.StateMachineVersionARN == versionARN {
					arns = append(arns, a.ARN)
				}
			}
		}
		if page.NextToken == "" {
			return arns, nil
		}
		token = page.NextToken
	}
}
