package linker

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"
)

// newsText is a morning's worth of wire copy: names known to the linker, names it does not
// know, possessives, hyphenated compounds, curly quotes, diacritics and numbers.
const newsText = `Ukraine's foreign minister Andrii Sybiha arrived in Ankara on Tuesday for talks with his Turkish counterpart Hakan Fidan, a day after Russian drones struck energy facilities near Kharkiv and Odesa. Officials in Kyiv said the visit was meant to prepare a second round of direct Russia-Ukraine negotiations, which Turkey has offered to host in Istanbul at the Dolmabahçe Palace.
President Recep Tayyip Erdoğan told reporters in Ankara that Türkiye was “ready to do whatever it takes” to bring the sides together, and that he had spoken by phone with both Volodymyr Zelensky and Vladimir Putin over the weekend. Kremlin spokesman Dmitry Peskov said Moscow had not yet received a formal proposal.
In Brussels, NATO Secretary General Mark Rutte urged European allies to speed up deliveries of air-defence systems. “We cannot let the Kremlin’s winter campaign succeed,” Rutte said at a press conference alongside the EU’s foreign policy chief Kaja Kallas. Germany's defence minister Boris Pistorius announced a further package worth €1.9bn, including two more IRIS-T batteries, while the Netherlands pledged F-16 spare parts.
The European Central Bank left interest rates unchanged on Thursday. Christine Lagarde said inflation in the eurozone had fallen to 2.1% in October, close to the bank's target, but warned that energy prices remained volatile. Markets in Frankfurt and Paris rose slightly after the decision; the euro traded at $1.08.
In Washington, the U.S. Senate approved a $61bn aid package after months of delay. Senate majority leader Chuck Schumer called the vote “a message to Moscow and to Beijing”. Secretary of State Antony Blinken is expected in Kyiv-based meetings later this month, according to a State Department official who was not authorised to speak publicly.
Heavy rain caused flooding across northern Italy, where the Po river burst its banks near Piacenza. Civil protection authorities in Emilia-Romagna evacuated more than 3,000 people, and the regional president Michele de Pascale asked Rome for emergency funds. In Valencia, where floods killed more than 200 people last year, Spanish prime minister Pedro Sánchez promised new investment in drainage.
Polish farmers blocked border crossings with Ukraine again on Wednesday, protesting against grain imports. Prime Minister Donald Tusk met farmers' representatives in Warsaw and said Poland would ask the European Commission in Brussels for a temporary safeguard. In Gdańsk, dock workers joined the protest; traffic at the Medyka crossing was halted for six hours.
São Paulo's mayor Ricardo Nunes said the city would host the Mercosur summit in December, and Brazil's president Luiz Inácio Lula da Silva is expected to meet Argentina's Javier Milei on the sidelines. In Buenos Aires, the central bank governor Santiago Bausili said reserves had recovered to $30bn.
At the United Nations in New York, Secretary-General António Guterres called for a ceasefire in Gaza and in Sudan, where fighting around El Fasher has displaced hundreds of thousands. The World Food Programme said aid convoys had reached Port Sudan but could not travel further west. Cyril Ramaphosa, South Africa's president, offered to mediate.
Japan's prime minister met South Korean President Lee Jae-myung in Tokyo to discuss North Korea's missile launches, the third in a month. The two leaders agreed to share early-warning data with the United States. In Seoul, opposition lawmakers criticised the deal; in Pyongyang, state media called it “a provocation”.
Football: Shakhtar Donetsk beat Dynamo Kyiv 2-1 in Lviv, with Georgiy Sudakov scoring twice. Olympique de Marseille's coach Roberto De Zerbi said his side would not rest players before the Champions League match against Atlético Madrid. Novak Đoković withdrew from the Paris Masters with a knee injury; Carlos Alcaraz and Jannik Sinner are the top seeds.
`

// knownNames are the names of newsText that the linker knows.
var knownNames = []Name{
	{"entities/ukraine", "Ukraine"}, {"entities/sybiha", "Andrii Sybiha"}, {"entities/ankara", "Ankara"},
	{"entities/fidan", "Hakan Fidan"}, {"entities/kharkiv", "Kharkiv"}, {"entities/odesa", "Odesa"},
	{"entities/odesa", "Odessa"}, {"entities/kyiv", "Kyiv"}, {"entities/kyiv", "Kiev"},
	{"entities/russia", "Russia"}, {"entities/turkey", "Turkey"}, {"entities/turkey", "Türkiye"},
	{"entities/istanbul", "Istanbul"}, {"entities/erdogan", "Recep Tayyip Erdoğan"},
	{"entities/erdogan", "Erdogan"}, {"entities/zelensky", "Volodymyr Zelensky"},
	{"entities/zelensky", "Zelensky"}, {"entities/zelensky", "Zelenskyy"}, {"entities/putin", "Vladimir Putin"},
	{"entities/putin", "Putin"}, {"entities/kremlin", "Kremlin"}, {"entities/peskov", "Dmitry Peskov"},
	{"entities/moscow", "Moscow"}, {"entities/brussels", "Brussels"}, {"entities/nato", "NATO"},
	{"entities/rutte", "Mark Rutte"}, {"entities/rutte", "Rutte"}, {"entities/eu", "European Union"},
	{"entities/eu", "EU"}, {"entities/kallas", "Kaja Kallas"}, {"entities/germany", "Germany"},
	{"entities/pistorius", "Boris Pistorius"}, {"entities/netherlands", "Netherlands"},
	{"entities/ecb", "European Central Bank"}, {"entities/ecb", "ECB"}, {"entities/lagarde", "Christine Lagarde"},
	{"entities/frankfurt", "Frankfurt"}, {"entities/paris", "Paris"}, {"entities/washington", "Washington"},
	{"entities/usa", "United States"}, {"entities/usa", "U.S."}, {"entities/senate", "U.S. Senate"},
	{"entities/schumer", "Chuck Schumer"}, {"entities/beijing", "Beijing"}, {"entities/blinken", "Antony Blinken"},
	{"entities/state-department", "State Department"}, {"entities/italy", "Italy"}, {"entities/piacenza", "Piacenza"},
	{"entities/emilia-romagna", "Emilia-Romagna"}, {"entities/rome", "Rome"}, {"entities/valencia", "Valencia"},
	{"entities/sanchez", "Pedro Sánchez"}, {"entities/tusk", "Donald Tusk"}, {"entities/warsaw", "Warsaw"},
	{"entities/poland", "Poland"}, {"entities/commission", "European Commission"}, {"entities/gdansk", "Gdańsk"},
	{"entities/sao-paulo", "São Paulo"}, {"entities/mercosur", "Mercosur"}, {"entities/brazil", "Brazil"},
	{"entities/lula", "Luiz Inácio Lula da Silva"}, {"entities/lula", "Lula"}, {"entities/argentina", "Argentina"},
	{"entities/milei", "Javier Milei"}, {"entities/buenos-aires", "Buenos Aires"}, {"entities/un", "United Nations"},
	{"entities/new-york", "New York"}, {"entities/guterres", "António Guterres"}, {"entities/gaza", "Gaza"},
	{"entities/sudan", "Sudan"}, {"entities/el-fasher", "El Fasher"}, {"entities/wfp", "World Food Programme"},
	{"entities/port-sudan", "Port Sudan"}, {"entities/ramaphosa", "Cyril Ramaphosa"}, {"entities/south-africa", "South Africa"},
	{"entities/japan", "Japan"}, {"entities/lee", "Lee Jae-myung"}, {"entities/tokyo", "Tokyo"},
	{"entities/north-korea", "North Korea"}, {"entities/seoul", "Seoul"}, {"entities/pyongyang", "Pyongyang"},
	{"entities/shakhtar", "Shakhtar Donetsk"}, {"entities/dynamo", "Dynamo Kyiv"}, {"entities/lviv", "Lviv"},
	{"entities/sudakov", "Georgiy Sudakov"}, {"entities/om", "Olympique de Marseille"}, {"entities/de-zerbi", "Roberto De Zerbi"},
	{"entities/atletico", "Atlético Madrid"}, {"entities/djokovic", "Novak Djokovic"}, {"entities/djokovic", "Novak Đoković"},
	{"entities/alcaraz", "Carlos Alcaraz"}, {"entities/sinner", "Jannik Sinner"}, {"entities/champions-league", "Champions League"},
}

// Syllables and affixes for made-up names that look like the names in the news: people
// from many countries, places and organisations.
var (
	firstNames = strings.Fields(`Olena Oleksandr Andriy Mykola Iryna Taras Yulia Dmytro Serhiy Natalia
		Ivan Anna Maria Pavel Sergei Elena Tatiana Mikhail Aleksei Olga Piotr Katarzyna Tomasz Agnieszka
		Jakub Zofia Mehmet Ayşe Emre Zeynep Mustafa Elif Hans Greta Jürgen Ursula Klaus Sabine Jean
		Marie François Amélie Louis Hélène Giulia Marco Francesca Luca Chiara Giorgio Ana José Lucía
		Javier Carmen Miguel Sofía João Inês Pedro Beatriz Ahmed Fatima Omar Leila Yusuf Amina Hassan
		Mariam Kwame Ama Chinedu Ngozi Thabo Naledi Hiroshi Yuki Kenji Aiko Min-jun Seo-yeon Wei Li Arjun
		Priya Rahul Ananya Liam Olivia Noah Emma James Charlotte William Amelia Björn Ingrid Lars Sigrid
		Mateusz Dorota Vuk Jelena Miloš Ivana Ágnes Zoltán Petr Tereza Ondřej Gheorghe Ioana Levan Nino`)
	onsets  = strings.Fields(`b k d m n p r s t v z br dr kr gr pr st sh ch zh sv tr kh ts l g h f`)
	vowels  = strings.Fields(`a e i o u y ia io ou ei ai`)
	endings = strings.Fields(`enko ko chuk uk ov ova ev eva in ina sky ska ski icz ić ović oğlu er mann berg
		stein elli etti ini ez es is os ian yan idze shvili ard ault ier son sen sson ström vic escu`)
	placeHeads = strings.Fields(`Port Saint San Santa Lake Mount New Nova Novo Upper Lower North South East West Fort Bad Bel`)
	placeTails = strings.Fields(`grad pol burg ville ton ford field mouth haven ia stan abad hagen dorf sk ovo ino`)
	orgForms   = []string{"Ministry of %s", "%s National Bank", "%s People's Party", "%s University",
		"Bank of %s", "%s Football Club", "%s Energy Company", "Port of %s", "%s-Orient Holdings"}
)

// benchNames returns n names: knownNames and then made-up ones, most of them people with
// one or two aliases, then places and organisations.
func benchNames(n int) []Name {
	rng := rand.New(rand.NewPCG(1, 2))
	pick := func(list []string) string { return list[rng.IntN(len(list))] }
	word := func() string {
		var b strings.Builder
		for range 1 + rng.IntN(2) {
			b.WriteString(pick(onsets))
			b.WriteString(pick(vowels))
		}
		b.WriteString(pick(endings))
		s := b.String()
		return strings.ToUpper(s[:1]) + s[1:]
	}
	names := append([]Name(nil), knownNames...)
	for id := 0; len(names) < n; id++ {
		entity := fmt.Sprintf("entities/e%06d", id)
		switch k := rng.IntN(10); {
		case k < 7: // a person: full name, sometimes a middle name, sometimes a variant
			first, last := pick(firstNames), word()
			names = append(names, Name{entity, first + " " + last})
			if rng.IntN(3) == 0 {
				names = append(names, Name{entity, first + " " + pick(firstNames) + " " + last})
			}
			if rng.IntN(3) == 0 {
				names = append(names, Name{entity, first[:1] + ". " + last})
			}
		case k < 9: // a place
			root := word()
			switch rng.IntN(3) {
			case 0:
				names = append(names, Name{entity, pick(placeHeads) + " " + root})
			case 1:
				names = append(names, Name{entity, root + pick(placeTails)})
			default:
				names = append(names, Name{entity, pick(placeHeads) + "-" + root + pick(placeTails)})
			}
		default: // an organisation
			names = append(names, Name{entity, fmt.Sprintf(pick(orgForms), word())})
		}
	}
	return names[:n]
}

func BenchmarkLink(b *testing.B) {
	l := New(benchNames(100_000))
	if got := len(l.Link(newsText)); got < 80 {
		b.Fatalf("Link found %d names in the benchmark text, want at least 80", got)
	}
	b.SetBytes(int64(len(newsText)))
	b.ReportAllocs()
	cpu := processCPU()
	for b.Loop() {
		l.Link(newsText)
	}
	if cpu = processCPU() - cpu; cpu > 0 {
		b.ReportMetric(float64(len(newsText))*float64(b.N)/cpu.Seconds()/1e6, "MB/cpu-s")
	}
}

func BenchmarkNew(b *testing.B) {
	names := benchNames(100_000)
	b.ReportAllocs()
	var l *Linker
	cpu := processCPU()
	for b.Loop() {
		l = New(names)
	}
	b.StopTimer()
	if cpu = processCPU() - cpu; cpu > 0 {
		b.ReportMetric(cpu.Seconds()*1e3/float64(b.N), "cpu-ms/op")
	}
	// What a built Linker keeps: the heap with it minus the heap without it.
	var with, without runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&with)
	runtime.KeepAlive(l)
	l = nil
	runtime.GC()
	runtime.ReadMemStats(&without)
	b.ReportMetric(float64(with.HeapAlloc-without.HeapAlloc)/(1<<20), "MiB/linker")
}
