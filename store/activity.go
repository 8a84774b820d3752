package store

import "time"

// Activity is a named queue of tasks that workers poll with GetActivityTask.
type Activity struct {
	ARN         string
	Name        string
	CreatedDate time.Time
}

// ActivityCreateParams creates an activity.
type ActivityCreateParams struct {
	ARN         string
	Name        string
	CreatedDate time.Time
}

// ActivityGetByARNParams names an activity.
type ActivityGetByARNParams struct {
	ARN string
}

// ActivityListParams pages through activities by ARN.
type ActivityListParams struct {
	MaxResults int
	NextToken  string
}

// ActivityListResult is one page; NextToken is "" on the last.
type ActivityListResult struct {
	Activities []*Activity
	NextToken  string
}

// ActivityDeleteParams names the activity to delete.
type ActivityDeleteParams struct {
	ARN string
}
