package asl

import "fmt"

// retryCatch reads Retry and Catch.
func (sp *stateParser) retryCatch() {
	if n := sp.obj.get("Retry"); n != nil {
		sp.base.Retry = sp.p.retriers(n, sp.loc("Retry"))
	}
	if n := sp.obj.get("Catch"); n != nil {
		sp.base.Catch = sp.p.catchers(n, sp.loc("Catch"), sp.base.QueryLanguage)
	}
}

var (
	retrierFields = fieldSet("ErrorEquals", "IntervalSeconds", "MaxAttempts", "BackoffRate", "MaxDelaySeconds", "JitterStrategy", "Comment")
	catcherFields = fieldSet("ErrorEquals", "Next", "ResultPath", "Output", "Assign", "Comment")
)

func (p *parser) retriers(n *jsonNode, location string) []Retrier {
	if n.kind != jsonArray {
		p.schemaf(location, "Field 'Retry' must be an array")
		return nil
	}
	out := make([]Retrier, 0, len(n.items))
	for i, it := range n.items {
		loc := fmt.Sprintf("%s[%d]", location, i)
		r := Retrier{IntervalSeconds: 1, MaxAttempts: 3, BackoffRate: 2.0}
		if it.kind != jsonObject {
			p.schemaf(loc, "Retrier must be an object")
			continue
		}
		p.checkFields(it, loc, retrierFields, []string{"ErrorEquals"})
		r.ErrorEquals = p.errorEquals(it, loc, i == len(n.items)-1, "Retrier")
		r.Comment = p.optString(it, loc, "Comment")
		if v := it.get("IntervalSeconds"); v != nil {
			if x := p.positiveInt(v, loc+"/IntervalSeconds", "IntervalSeconds"); x != nil {
				r.IntervalSeconds = *x
			}
		}
		if v := it.get("MaxAttempts"); v != nil {
			if x := p.nonNegativeInt(v, loc+"/MaxAttempts", "MaxAttempts"); x != nil {
				r.MaxAttempts = *x
			}
		}
		if v := it.get("BackoffRate"); v != nil {
			switch {
			case v.kind != jsonNumber:
				p.schemaf(loc+"/BackoffRate", "Field 'BackoffRate' must be a number")
			case v.number < 1.0:
				p.schemaf(loc+"/BackoffRate", "Field 'BackoffRate' must be greater than or equal to 1.0")
			default:
				r.BackoffRate = v.number
			}
		}
		if v := it.get("MaxDelaySeconds"); v != nil {
			r.MaxDelaySeconds = p.positiveInt(v, loc+"/MaxDelaySeconds", "MaxDelaySeconds")
		}
		if v := it.get("JitterStrategy"); v != nil {
			if v.kind != jsonString || (v.str != "FULL" && v.str != "NONE") {
				p.schemaf(loc+"/JitterStrategy", "Field 'JitterStrategy' must be one of [FULL, NONE]")
			} else {
				r.JitterStrategy = v.str
			}
		}
		out = append(out, r)
	}
	return out
}

func (p *parser) catchers(n *jsonNode, location string, ql QueryLanguage) []Catcher {
	if n.kind != jsonArray {
		p.schemaf(location, "Field 'Catch' must be an array")
		return nil
	}
	out := make([]Catcher, 0, len(n.items))
	for i, it := range n.items {
		loc := fmt.Sprintf("%s[%d]", location, i)
		if it.kind != jsonObject {
			p.schemaf(loc, "Catcher must be an object")
			out = append(out, Catcher{})
			continue
		}
		p.checkFields(it, loc, catcherFields, []string{"ErrorEquals", "Next"})
		c := Catcher{
			ErrorEquals: p.errorEquals(it, loc, i == len(n.items)-1, "Catcher"),
			Next:        p.optString(it, loc, "Next"),
			Comment:     p.optString(it, loc, "Comment"),
		}
		if v := it.get("ResultPath"); v != nil {
			if ql == JSONata {
				p.schemaf(loc+"/ResultPath", "The QueryLanguage is set to 'JSONata', but field 'ResultPath' is only supported for the 'JSONPath' QueryLanguage")
			} else {
				c.ResultPath = p.optionalPath(v, loc+"/ResultPath", "ResultPath", true)
			}
		}
		if v := it.get("Output"); v != nil {
			if ql != JSONata {
				p.schemaf(loc, "The QueryLanguage is set to 'JSONPath', but field 'Output' is only supported for the 'JSONata' QueryLanguage")
			} else {
				c.Output = p.jsonataTemplate(v, loc+"/Output", "Output")
			}
		}
		if v := it.get("Assign"); v != nil {
			c.Assign = p.objectTemplate(v, loc+"/Assign", "Assign", ql)
		}
		out = append(out, c)
	}
	return out
}

// errorEquals reads a non-empty ErrorEquals list; States.ALL must be alone and in the last
// retrier or catcher.
func (p *parser) errorEquals(obj *jsonNode, location string, last bool, what string) []string {
	n := obj.get("ErrorEquals")
	if n == nil {
		return nil
	}
	loc := location + "/ErrorEquals"
	if n.kind != jsonArray {
		p.schemaf(loc, "Field 'ErrorEquals' must be an array")
		return nil
	}
	if len(n.items) == 0 {
		p.schemaf(loc, "Field 'ErrorEquals' must not be empty")
		return nil
	}
	out := make([]string, 0, len(n.items))
	for i, it := range n.items {
		if it.kind != jsonString {
			p.schemaf(fmt.Sprintf("%s[%d]", loc, i), "Error names must be strings")
			continue
		}
		out = append(out, it.str)
	}
	for _, e := range out {
		if e != "States.ALL" {
			continue
		}
		if len(out) > 1 {
			p.schemaf(loc, "States.ALL must appear alone in ErrorEquals")
		}
		if !last {
			p.schemaf(loc, "States.ALL must appear in the last %s", what)
		}
		break
	}
	return out
}
