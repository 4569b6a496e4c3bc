package linker_test

import (
	"fmt"

	"github.com/newsroomhq/newsroom/services/ingest/linker"
)

func Example() {
	l := linker.New([]linker.Name{
		{Entity: "entities/zelensky", Text: "Volodymyr Zelensky"},
		{Entity: "entities/zelensky", Text: "Zelensky"},
		{Entity: "entities/kyiv", Text: "Kyiv"},
		{Entity: "entities/usa", Text: "U.S."},
	})
	text := "VOLODYMYR ZELENSKÝ met U.S. envoys in Kyiv’s government quarter, " +
		"then flew to Vilnius for talks with Gitanas Nausėda."
	matches := l.Link(text)
	for _, m := range matches {
		fmt.Printf("%q [%d:%d] %v\n", m.Text, m.Start, m.End, m.Entities)
	}
	for _, s := range linker.Suggest(text, matches) {
		fmt.Printf("suggest %q [%d:%d]\n", s.Text, s.Start, s.End)
	}
	// Output:
	// "VOLODYMYR ZELENSKÝ" [0:18] [entities/zelensky]
	// "U.S." [23:27] [entities/usa]
	// "Kyiv" [38:42] [entities/kyiv]
	// suggest "Vilnius" [78:85]
	// suggest "Gitanas Nausėda" [101:116]
}
