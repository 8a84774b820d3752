package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/stepflow/stepflow/store"
)

const childColumns = `arn, map_run_arn, parent_arn, state_machine_arn, name, idx, item_count, type, status, input, output, error, cause,
	start_date, stop_date, redrive_count, redrive_date`

// childRow is what the steps of one batch write for one child execution: the fields of its
// row (the first write's input and start, the last write's status) and its new history
// events, as one JSON array from firstID to lastID.
type childRow struct {
	parentARN       string
	child           store.ChildExecutionWrite
	body            string
	firstID, lastID int64
}

// addChild adds a step's write of a child to the batch, merged with an earlier write of the
// same child: in a Distributed Map a child often starts and ends within one batch (its task
// is quick), and one row written once costs about half of an insert followed by an update of
// the row and its status index, and one history row half of two.
func (r *stepRecords) addChild(parentARN string, c *store.ChildExecutionWrite) {
	var first, last int64
	if n := len(c.Events); n > 0 {
		first, last = c.Events[0].ID, c.Events[n-1].ID
	}
	row := r.childByARN[c.ARN]
	if row == nil {
		row = &childRow{parentARN: parentARN, child: *c, body: r.childBodies[c], firstID: first, lastID: last}
		row.child.Events = nil
		if r.childByARN == nil {
			r.childByARN = map[string]*childRow{}
		}
		r.childByARN[c.ARN] = row
		r.children = append(r.children, row)
		return
	}
	w := &row.child
	if c.Started && !w.Started {
		w.Started, w.Input, w.StartDate = true, c.Input, c.StartDate
	}
	w.Status, w.Output, w.Error, w.Cause, w.StopDate = c.Status, c.Output, c.Error, c.Cause, c.StopDate
	w.RedriveCount, w.RedriveDate = c.RedriveCount, c.RedriveDate
	if body := r.childBodies[c]; body != "" {
		if row.body == "" {
			row.body, row.firstID = body, first
		} else {
			// Both are JSON arrays of events: join their elements into one array.
			row.body = row.body[:len(row.body)-1] + "," + body[1:]
		}
		row.lastID = last
	}
}

func scanChild(r Row) (*store.ChildExecution, error) {
	var (
		c                        store.ChildExecution
		start, stop, redriveDate timeValue
	)
	err := r.Scan(&c.ARN, &c.MapRunARN, &c.ParentARN, &c.StateMachineARN, &c.Name, &c.Index, &c.ItemCount, &c.Type, &c.Status, &c.Input,
		&c.Output, &c.Error, &c.Cause, &start, &stop, &c.RedriveCount, &redriveDate)
	if err != nil {
		return nil, err
	}
	c.StartDate, c.StopDate, c.RedriveDate = start.t, stop.ptr(), redriveDate.ptr()
	return &c, nil
}

const childHistoryRow = "((SELECT id FROM child_execution WHERE arn = ?), ?, ?, ?)"

// queueChildren queues the upserts of the child executions a batch's steps wrote and the
// inserts of their new history events (one row per child). A child's input and start are
// written only when it is new; its status fields are replaced every time.
func (s *Store) queueChildren(b statements, rows []*childRow) {
	_ = inChunks(rows, func(chunk []*childRow) error {
		args := make([]any, 0, 17*len(chunk))
		for _, r := range chunk {
			c := &r.child
			args = append(args, c.ARN, c.MapRunARN, r.parentARN, c.StateMachineARN, c.Name, c.Index, c.ItemCount, string(c.Type),
				string(c.Status), c.Input, c.Output, c.Error, c.Cause, s.timeArg(c.StartDate), s.nullTimeArg(c.StopDate),
				c.RedriveCount, s.nullTimeArg(c.RedriveDate))
		}
		b.exec("write child executions", `INSERT INTO child_execution (`+childColumns+`)
			VALUES `+placeholders(len(chunk), 17)+`
			ON CONFLICT (arn) DO UPDATE SET status = excluded.status, output = excluded.output, error = excluded.error,
				cause = excluded.cause, stop_date = excluded.stop_date, redrive_count = excluded.redrive_count,
				redrive_date = excluded.redrive_date`, args, nil)
		return nil
	})
	var history []*childRow
	for _, r := range rows {
		if r.body != "" {
			history = append(history, r)
		}
	}
	if s.dialect.Arrays {
		// One statement with one plan whatever the number of rows: a VALUES list of scalar
		// subqueries is planned again for every size. The number is looked up row by row by
		// ARN (a join may be planned as a scan of every child).
		arns, firsts, lasts, bodies := make([]string, len(history)), make([]int64, len(history)),
			make([]int64, len(history)), make([]string, len(history))
		for i, h := range history {
			arns[i], firsts[i], lasts[i], bodies[i] = h.child.ARN, h.firstID, h.lastID, h.body
		}
		if len(history) > 0 {
			b.exec("write child histories", `INSERT INTO child_history (child_id, first_id, last_id, body)
				SELECT (SELECT id FROM child_execution WHERE arn = v.arn), v.first_id, v.last_id, v.body
				FROM unnest(?::text[], ?::bigint[], ?::bigint[], ?::text[]) AS v(arn, first_id, last_id, body)`, []any{arns, firsts, lasts, bodies}, nil)
		}
		return
	}
	_ = inChunks(history, func(chunk []*childRow) error {
		args := make([]any, 0, 4*len(chunk))
		for _, h := range chunk {
			args = append(args, h.child.ARN, h.firstID, h.lastID, h.body)
		}
		// The child's number is looked up by its ARN, just written: the lookup reads pages the
		// upsert brought in, and history keyed by the number is appended, not scattered.
		b.exec("write child histories", `INSERT INTO child_history (child_id, first_id, last_id, body) VALUES `+
			strings.Repeat(childHistoryRow+", ", len(chunk)-1)+childHistoryRow, args, nil)
		return nil
	})
}

// encodeChildHistories encodes the new history events of every child the steps write, before
// the transaction: a value that cannot be encoded fails the commit before it writes anything.
func encodeChildHistories(creates []*store.ExecutionCreateParams, steps []*store.ExecutionStepParams) (map[*store.ChildExecutionWrite]string, error) {
	var bodies map[*store.ChildExecutionWrite]string
	encode := func(children []*store.ChildExecutionWrite) error {
		for _, c := range children {
			if len(c.Events) == 0 {
				continue
			}
			// The events' own encoder, as for an execution's history: reflection would cost
			// more than the rest of a child's write.
			body := append(make([]byte, 0, 512*len(c.Events)), '[')
			for i, ev := range c.Events {
				if i > 0 {
					body = append(body, ',')
				}
				var err error
				if body, err = ev.AppendJSON(body); err != nil {
					return fmt.Errorf("encode history of child execution %s: %w", c.ARN, err)
				}
			}
			if bodies == nil {
				bodies = map[*store.ChildExecutionWrite]string{}
			}
			bodies[c] = string(append(body, ']'))
		}
		return nil
	}
	for _, p := range creates {
		if err := encode(p.Children); err != nil {
			return nil, err
		}
	}
	for _, p := range steps {
		if err := encode(p.Children); err != nil {
			return nil, err
		}
	}
	return bodies, nil
}

// ChildExecutionGetByARN implements store.Store.
func (s *Store) ChildExecutionGetByARN(ctx context.Context, p *store.ChildExecutionGetByARNParams) (*store.ChildExecution, error) {
	op := "get child execution " + p.ARN
	if err := s.checkOpen(op); err != nil {
		return nil, err
	}
	c, err := scanChild(s.queryRow(ctx, s.db.Reader(), `SELECT `+childColumns+` FROM child_execution WHERE arn = ?`, p.ARN))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, &store.NotFoundError{Resource: store.ResourceExecution, Key: p.ARN}
	}
	if err != nil {
		return nil, s.fail(op, err)
	}
	return c, nil
}

// ChildExecutionList implements store.Store: newest first by start date, then by index, from
// the (map_run_arn[, status], start_date, idx) indexes.
func (s *Store) ChildExecutionList(ctx context.Context, p *store.ChildExecutionListParams) (*store.ChildExecutionListResult, error) {
	op := "list child executions of " + p.MapRunARN
	if err := s.checkOpen(op); err != nil {
		return nil, err
	}
	query := `SELECT ` + childColumns + ` FROM child_execution WHERE map_run_arn = ?`
	args := []any{p.MapRunARN}
	if p.Status != "" {
		query += ` AND status = ?`
		args = append(args, string(p.Status))
	}
	switch {
	case p.Redriven == nil:
	case *p.Redriven:
		query += ` AND redrive_count > 0`
	default:
		query += ` AND redrive_count = 0`
	}
	if p.NextToken != "" {
		key, err := decodePageToken(p.NextToken, "children", 3)
		if err != nil || key[0] != p.MapRunARN {
			return nil, s.fail(op, store.ErrInvalidPageToken)
		}
		micros, err1 := strconv.ParseInt(key[1], 10, 64)
		idx, err2 := strconv.ParseInt(key[2], 10, 64)
		if err1 != nil || err2 != nil {
			return nil, s.fail(op, store.ErrInvalidPageToken)
		}
		start := s.timeArg(time.UnixMicro(micros))
		query += ` AND start_date <= ? AND (start_date < ? OR (start_date = ? AND idx < ?))`
		args = append(args, start, start, start, idx)
	}
	size := store.PageSize(p.MaxResults)
	query += ` ORDER BY start_date DESC, idx DESC LIMIT ?`
	args = append(args, size+1)
	rows, err := s.query(ctx, s.db.Reader(), query, args...)
	children, err := collect(rows, err, func(r Rows) (*store.ChildExecution, error) { return scanChild(r) })
	if err != nil {
		return nil, s.fail(op, err)
	}
	res := &store.ChildExecutionListResult{Children: children}
	if len(children) > size {
		last := children[size-1]
		res.Children = children[:size]
		res.NextToken = encodePageToken("children", p.MapRunARN, strconv.FormatInt(last.StartDate.UnixMicro(), 10), strconv.Itoa(last.Index))
	}
	return res, nil
}

// ChildHistoryEventList implements store.Store: a child's history is stored uncompressed.
func (s *Store) ChildHistoryEventList(ctx context.Context, p *store.HistoryEventListParams) (*store.HistoryEventListResult, error) {
	op := "list history of child execution " + p.ExecutionARN
	if err := s.checkOpen(op); err != nil {
		return nil, err
	}
	return s.listHistory(ctx, op, p, "child-history", `SELECT body, NULL FROM child_history
		WHERE child_id = (SELECT id FROM child_execution WHERE arn = ?) AND last_id > ? ORDER BY last_id LIMIT ?`,
		`SELECT body, NULL FROM child_history
			WHERE child_id = (SELECT id FROM child_execution WHERE arn = ?) AND first_id < ? ORDER BY last_id DESC LIMIT ?`,
		func() error {
			_, err := s.ChildExecutionGetByARN(ctx, &store.ChildExecutionGetByARNParams{ARN: p.ExecutionARN})
			return err
		})
}
