package mongostore_test

import (
	"context"
	"testing"

	"github.com/newsroomhq/newsroom/services/entity"
	"github.com/newsroomhq/newsroom/services/entity/mongostore"
	"github.com/newsroomhq/newsroom/services/entity/storetest"
	"github.com/newsroomhq/newsroom/services/platform/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// The store keeps the contract of entity.Store on the test database: the embedded one,
// or MONGODB_URI's.
func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) entity.Store {
		s, err := mongostore.New(context.Background(), testenv.Database(t))
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}
