package scim

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"
)

// Team is what a Group resource says of a group: its name, the provider's
// ID of it and its members (Upward user IDs).
type Team struct {
	DisplayName string
	ExternalID  string
	Members     []int64
}

// ParseGroup reads a Group resource (a POST or PUT body).
func ParseGroup(attrs map[string]any) (Team, error) {
	var g Team
	g.DisplayName, _ = attrs["displayname"].(string)
	g.ExternalID, _ = attrs["externalid"].(string)
	if strings.TrimSpace(g.DisplayName) == "" {
		return Team{}, invalidValue("displayName is required.")
	}
	if v, ok := attrs["members"]; ok && v != nil {
		ids, err := memberIDs(v)
		if err != nil {
			return Team{}, err
		}
		g.Members = ids
	}
	return g, nil
}

// memberIDs reads a members value: a list of {"value": "<id>"}.
func memberIDs(v any) ([]int64, error) {
	list, ok := v.([]any)
	if !ok {
		if m, isMap := v.(map[string]any); isMap {
			list = []any{m} // one member, not in a list
		} else {
			return nil, invalidValue("members must be a list of {\"value\": id}.")
		}
	}
	var out []int64
	for _, x := range list {
		m, _ := x.(map[string]any)
		s, _ := m["value"].(string)
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id <= 0 {
			return nil, invalidValue("A member's value must be a user's id.")
		}
		out = append(out, id)
	}
	return out, nil
}

// GroupChange is what a PATCH does to a group: its name, its external
// ID, and members added, removed, or all replaced.
type GroupChange struct {
	DisplayName *string
	ExternalID  *string
	Add         []int64
	Remove      []int64
	Replace     []int64 // with ReplaceAll: the members are exactly these
	ReplaceAll  bool
}

var memberFilterRE = regexp.MustCompile(`^members\[value eq "(\d+)"\]$`)

// GroupPatch reads PATCH operations on a group, as Entra ID (members
// added and removed by path and filter) and Okta (members replaced,
// displayName in a pathless object) send them.
func GroupPatch(ops []Operation) (GroupChange, error) {
	var c GroupChange
	str := func(v any, attr string) (*string, error) {
		if list, ok := v.([]any); ok && len(list) == 1 {
			v = list[0]
		}
		if m, ok := v.(map[string]any); ok {
			v = m["value"]
		}
		s, ok := v.(string)
		if !ok && v != nil {
			return nil, invalidValue("%s must be a string.", attr)
		}
		return &s, nil
	}
	for _, o := range ops {
		switch {
		case o.Path == "":
			m, ok := o.Value.(map[string]any)
			if !ok {
				return GroupChange{}, &Error{Status: http.StatusBadRequest, ScimType: "invalidPath", Detail: "An operation without a path needs an object of attributes as its value."}
			}
			for k, v := range m {
				sub := o
				sub.Path, sub.Value = k, v
				more, err := GroupPatch([]Operation{sub})
				if err != nil {
					return GroupChange{}, err
				}
				c.merge(more)
			}
		case o.Path == "displayname":
			if o.Op == "remove" {
				return GroupChange{}, &Error{Status: http.StatusBadRequest, ScimType: "mutability", Detail: "displayName cannot be removed."}
			}
			s, err := str(o.Value, "displayName")
			if err != nil {
				return GroupChange{}, err
			}
			c.DisplayName = s
		case o.Path == "externalid":
			s, err := str(o.Value, "externalId")
			if err != nil {
				return GroupChange{}, err
			}
			if o.Op == "remove" {
				empty := ""
				s = &empty
			}
			c.ExternalID = s
		case o.Path == "members":
			var ids []int64
			if o.Value != nil {
				var err error
				if ids, err = memberIDs(o.Value); err != nil {
					return GroupChange{}, err
				}
			}
			switch o.Op {
			case "add":
				c.Add = append(c.Add, ids...)
			case "remove":
				if o.Value == nil {
					c.Replace, c.ReplaceAll = nil, true // remove all members
				} else {
					c.Remove = append(c.Remove, ids...)
				}
			case "replace":
				c.Replace, c.ReplaceAll, c.Add, c.Remove = ids, true, nil, nil
			}
		case memberFilterRE.MatchString(o.Path) && o.Op == "remove":
			id, _ := strconv.ParseInt(memberFilterRE.FindStringSubmatch(o.Path)[1], 10, 64)
			c.Remove = append(c.Remove, id)
		case o.Path == "id" || strings.HasPrefix(o.Path, "urn:"):
			// Okta repeats the id in a pathless replace; extensions are not kept.
		default:
			return GroupChange{}, &Error{Status: http.StatusBadRequest, ScimType: "invalidPath", Detail: "A group's displayName, externalId and members can be changed."}
		}
	}
	return c, nil
}

func (c *GroupChange) merge(o GroupChange) {
	if o.DisplayName != nil {
		c.DisplayName = o.DisplayName
	}
	if o.ExternalID != nil {
		c.ExternalID = o.ExternalID
	}
	if o.ReplaceAll {
		c.Replace, c.ReplaceAll, c.Add, c.Remove = o.Replace, true, nil, nil
	}
	c.Add = append(c.Add, o.Add...)
	c.Remove = append(c.Remove, o.Remove...)
}

// GroupFilter reads a Groups list's filter: displayName or externalId eq.
func GroupFilter(s string) (Filter, error) {
	if strings.TrimSpace(s) == "" {
		return Filter{}, nil
	}
	m := groupFilterRE.FindStringSubmatch(s)
	if m == nil {
		return Filter{}, &Error{Status: http.StatusBadRequest, ScimType: "invalidFilter",
			Detail: `Filter groups by displayName or externalId with eq, like displayName eq "Sales".`}
	}
	value, err := strconv.Unquote(`"` + m[2] + `"`)
	if err != nil {
		return Filter{}, &Error{Status: http.StatusBadRequest, ScimType: "invalidFilter", Detail: "The filter's value is not a valid string."}
	}
	return Filter{Attr: strings.ToLower(m[1]), Value: value}, nil
}

var groupFilterRE = regexp.MustCompile(`(?i)^\s*(displayName|externalId)\s+eq\s+"((?:[^"\\]|\\.)*)"\s*$`)
