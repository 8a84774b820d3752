package api

import "context"

// Distributed Map runs are not tracked yet: every map run ARN is unknown, and an execution has
// none.

type mapRunInput struct {
	MapRunArn                  *string  `json:"mapRunArn"`
	MaxConcurrency             *int64   `json:"maxConcurrency"`
	ToleratedFailureCount      *int64   `json:"toleratedFailureCount"`
	ToleratedFailurePercentage *float64 `json:"toleratedFailurePercentage"`
}

func checkMapRunARN(v *validationErrors, arn *string) error {
	v.required("mapRunArn", arn != nil)
	v.length("mapRunArn", arn, 1, 2000)
	if err := v.err(); err != nil {
		return err
	}
	_, _, err := parseStatesARN(*arn, "mapRun", 2, 3)
	return err
}

func (s *Server) describeMapRun(ctx context.Context, in *mapRunInput) (*emptyOutput, error) {
	var v validationErrors
	if err := checkMapRunARN(&v, in.MapRunArn); err != nil {
		return nil, err
	}
	return nil, resourceNotFound(*in.MapRunArn)
}

func (s *Server) updateMapRun(ctx context.Context, in *mapRunInput) (*emptyOutput, error) {
	var v validationErrors
	v.intRange("maxConcurrency", in.MaxConcurrency, 0, 100000)
	v.intRange("toleratedFailureCount", in.ToleratedFailureCount, 0, 1<<62)
	if err := checkMapRunARN(&v, in.MapRunArn); err != nil {
		return nil, err
	}
	return nil, resourceNotFound(*in.MapRunArn)
}

type listMapRunsInput struct {
	listInput
	ExecutionArn *string `json:"executionArn"`
}

type listMapRunsOutput struct {
	MapRuns   []struct{} `json:"mapRuns"`
	NextToken string     `json:"nextToken,omitempty"`
}

func (s *Server) listMapRuns(ctx context.Context, in *listMapRunsInput) (*listMapRunsOutput, error) {
	var v validationErrors
	in.check(&v)
	if err := checkExecutionARN(&v, in.ExecutionArn); err != nil {
		return nil, err
	}
	if _, err := s.getExecution(ctx, *in.ExecutionArn); err != nil {
		return nil, err
	}
	return &listMapRunsOutput{MapRuns: []struct{}{}}, nil
}
