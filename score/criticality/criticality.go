// Package criticality computes the OpenSSF criticality score
// (https://github.com/ossf/criticality_score) from a project's signals, bit
// for bit as the published scorers do, and says how much of the score rests
// on signals that were actually present.
//
// The score is Rob Pike's weighted arithmetic mean
// (Quantifying_criticality_algorithm.pdf): every signal S with weight w and
// threshold T contributes w·log(1+min(S,T))/log(1+T), and the sum is divided
// by the weight of the signals present. Scorers are described in
// criticality_score v2's YAML format (algorithm, inputs with field, weight,
// bounds{lower, upper, smaller_is_better}, condition{field_exists, not} and
// distribution linear|zipfian), so its config/scorer/*.yml files load
// unchanged. Three are built in:
//
//   - original_pike (the default): v2's original_pike.yml;
//   - pike_depsdev: v2's pike_depsdev.yml (deps.dev dependents, weight 4,
//     threshold 200000; GitHub mentions down-weighted to 1 when dependents
//     exist);
//   - legacy: the 2020 Python scorer (criticality_score/run.py), where
//     updated_since has weight −1 instead of being inverted, the result is
//     rounded to 5 decimals and clamped to [0, 1]; it divides by the sum of
//     all its weights, so a missing signal counts as 0. hallmark names this
//     algorithm legacy_weighted_sum; it is not part of v2's format.
//
// Because a missing signal silently raises a weighted mean, every Result
// carries its Coverage: which inputs were present, which missing, and the
// share of the weight each group carries.
package criticality

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Algorithm names accepted in a config's "algorithm" key.
const (
	// WeightedArithmeticMean is criticality_score v2's algorithm: the mean
	// over the inputs present only; weights must be positive.
	WeightedArithmeticMean = "weighted_arithmetic_mean"
	// LegacyWeightedSum is the 2020 Python scorer: negative weights are
	// allowed, the result is rounded to 5 decimals and clamped to [0, 1].
	LegacyWeightedSum = "legacy_weighted_sum"
)

// Distributions an input may name; criticality_score's default is linear.
const (
	Linear  = "linear"
	Zipfian = "zipfian"
)

// MaxConfigSize bounds a --config file; real scorer configs are ~2 KB.
const MaxConfigSize = 1 << 20

// maxInputs bounds the number of inputs of a config.
const maxInputs = 1000

//go:embed original_pike.yml pike_depsdev.yml legacy.yml
var builtin embed.FS

// Default is the name of the scorer used when none is chosen.
const Default = "original_pike"

var builtinFiles = map[string]string{
	"original_pike": "original_pike.yml",
	"pike_depsdev":  "pike_depsdev.yml",
	"legacy":        "legacy.yml",
}

// BuiltinNames lists the built-in scorers, sorted.
func BuiltinNames() []string {
	var names []string
	for n := range builtinFiles {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Builtin returns the named built-in scorer.
func Builtin(name string) (*Scorer, error) {
	file, ok := builtinFiles[name]
	if !ok {
		return nil, fmt.Errorf("unknown scorer %q (want one of %v, or a config file)", name, BuiltinNames())
	}
	data, err := builtin.ReadFile(file)
	if err != nil {
		return nil, err
	}
	return LoadConfig(name, data)
}

// BuiltinConfig returns the YAML text of a built-in scorer.
func BuiltinConfig(name string) ([]byte, error) {
	file, ok := builtinFiles[name]
	if !ok {
		return nil, fmt.Errorf("unknown scorer %q", name)
	}
	return builtin.ReadFile(file)
}

// Bounds clamp a signal before it is normalised.
type Bounds struct {
	Lower           float64 `yaml:"lower" json:"lower,omitempty"`
	Upper           float64 `yaml:"upper" json:"upper"`
	SmallerIsBetter bool    `yaml:"smaller_is_better" json:"smaller_is_better,omitempty"`
}

// Threshold is the width of the bounds, the T of the formula.
func (b Bounds) Threshold() float64 { return b.Upper - b.Lower }

// apply clamps v to [Lower, Upper], moves it to [0, T] and inverts it when
// smaller is better, exactly as criticality_score's algorithm.Bounds does.
func (b Bounds) apply(v float64) float64 {
	if v < b.Lower {
		v = b.Lower
	} else if v > b.Upper {
		v = b.Upper
	}
	v -= b.Lower
	if b.SmallerIsBetter {
		v = b.Threshold() - v
	}
	return v
}

// Condition makes an input count only when another field exists (or not).
type Condition struct {
	Not         *Condition `yaml:"not" json:"not,omitempty"`
	FieldExists string     `yaml:"field_exists" json:"field_exists,omitempty"`
}

func (c *Condition) holds(s Signals) bool {
	if c.Not != nil {
		return !c.Not.holds(s)
	}
	_, ok := s[c.FieldExists]
	return ok
}

func (c *Condition) validate(depth int) error {
	if depth > 16 {
		return errors.New("condition nested too deeply")
	}
	switch {
	case c.FieldExists != "" && c.Not != nil:
		return errors.New("only one of field_exists and not may be set")
	case c.FieldExists != "":
		return nil
	case c.Not != nil:
		return c.Not.validate(depth + 1)
	}
	return errors.New("one of field_exists and not must be set")
}

// Input is one term of the score.
type Input struct {
	Field        string     `yaml:"field" json:"field"`
	Weight       float64    `yaml:"weight" json:"weight"`
	Bounds       *Bounds    `yaml:"bounds" json:"bounds,omitempty"`
	Condition    *Condition `yaml:"condition" json:"condition,omitempty"`
	Distribution string     `yaml:"distribution" json:"distribution"`
	Tags         []string   `yaml:"tags" json:"tags,omitempty"`
}

// UnmarshalYAML applies criticality_score's defaults: weight 1, linear.
func (in *Input) UnmarshalYAML(n *yaml.Node) error {
	// Decoding through a Node loses the decoder's KnownFields setting, so
	// unknown keys (a misspelt "wieght") are caught here.
	if err := knownKeys(n, inputKeys, 0); err != nil {
		return err
	}
	type raw Input
	r := raw{Weight: 1, Distribution: Linear}
	if err := n.Decode(&r); err != nil {
		return err
	}
	*in = Input(r)
	return nil
}

var (
	inputKeys     = []string{"field", "weight", "bounds", "condition", "distribution", "tags"}
	boundsKeys    = []string{"lower", "upper", "smaller_is_better"}
	conditionKeys = []string{"not", "field_exists"}
)

func knownKeys(n *yaml.Node, allowed []string, depth int) error {
	if n.Kind != yaml.MappingNode || depth > 16 {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if !slices.Contains(allowed, k.Value) {
			return fmt.Errorf("line %d: unknown key %q (want one of %s)", k.Line, k.Value, strings.Join(allowed, ", "))
		}
		var err error
		switch {
		case k.Value == "bounds" && depth == 0:
			err = knownKeys(v, boundsKeys, depth+1)
		case k.Value == "condition" || k.Value == "not":
			err = knownKeys(v, conditionKeys, depth+1)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// normalize is the distribution function.
func (in *Input) normalize(v float64) float64 {
	if in.Distribution == Zipfian {
		return math.Log(1 + v)
	}
	return v
}

// value is the input's normalised value in [0, 1] for bounded inputs, as
// criticality_score's algorithm.Input.Value computes it.
func (in *Input) value(v float64) float64 {
	den := 1.0
	if in.Bounds != nil {
		v = in.Bounds.apply(v)
		den = in.normalize(in.Bounds.Threshold())
	}
	return in.normalize(v) / den
}

// Config is a scorer description in criticality_score v2's format.
type Config struct {
	Algorithm string   `yaml:"algorithm" json:"algorithm"`
	Inputs    []*Input `yaml:"inputs" json:"inputs"`
}

// Scorer computes scores with one configuration.
type Scorer struct {
	name string
	cfg  Config
}

// Name is the scorer's name: a built-in's name or the config file's.
func (s *Scorer) Name() string { return s.name }

// Config returns the scorer's configuration.
func (s *Scorer) Config() Config { return s.cfg }

// Fields lists the distinct signal fields the scorer reads, in config order.
func (s *Scorer) Fields() []string {
	var out []string
	for _, in := range s.cfg.Inputs {
		if !slices.Contains(out, in.Field) {
			out = append(out, in.Field)
		}
	}
	return out
}

// LoadConfig parses a scorer config. name labels errors and results.
func LoadConfig(name string, data []byte) (*Scorer, error) {
	if len(data) > MaxConfigSize {
		return nil, fmt.Errorf("%s: config is %d bytes, limit %d", name, len(data), MaxConfigSize)
	}
	var cfg Config
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&cfg); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	switch cfg.Algorithm {
	case WeightedArithmeticMean, LegacyWeightedSum:
	case "":
		return nil, fmt.Errorf("%s: algorithm: missing (want %s or %s)", name, WeightedArithmeticMean, LegacyWeightedSum)
	default:
		return nil, fmt.Errorf("%s: algorithm: unknown %q (want %s or %s)", name, cfg.Algorithm, WeightedArithmeticMean, LegacyWeightedSum)
	}
	if len(cfg.Inputs) == 0 {
		return nil, fmt.Errorf("%s: inputs: none given", name)
	}
	if len(cfg.Inputs) > maxInputs {
		return nil, fmt.Errorf("%s: inputs: %d given, limit %d", name, len(cfg.Inputs), maxInputs)
	}
	for i, in := range cfg.Inputs {
		at := fmt.Sprintf("%s: inputs[%d]", name, i)
		if in == nil {
			return nil, fmt.Errorf("%s: empty input", at)
		}
		if in.Field == "" {
			return nil, fmt.Errorf("%s.field: must be set", at)
		}
		if math.IsNaN(in.Weight) || math.IsInf(in.Weight, 0) {
			return nil, fmt.Errorf("%s.weight: must be a finite number", at)
		}
		// v2 rejects weights <= 0; the legacy scorer's updated_since is -1.
		if cfg.Algorithm == WeightedArithmeticMean && in.Weight <= 0 {
			return nil, fmt.Errorf("%s.weight: must be greater than 0, got %v", at, in.Weight)
		}
		if in.Weight == 0 {
			return nil, fmt.Errorf("%s.weight: must not be 0", at)
		}
		if in.Distribution != Linear && in.Distribution != Zipfian {
			return nil, fmt.Errorf("%s.distribution: unknown %q (want linear or zipfian)", at, in.Distribution)
		}
		if b := in.Bounds; b != nil {
			if math.IsNaN(b.Lower) || math.IsNaN(b.Upper) || math.IsInf(b.Lower, 0) || math.IsInf(b.Upper, 0) || !(b.Upper > b.Lower) {
				return nil, fmt.Errorf("%s.bounds: want finite lower < upper, got lower %v upper %v", at, b.Lower, b.Upper)
			}
		}
		if in.Condition != nil {
			if err := in.Condition.validate(0); err != nil {
				return nil, fmt.Errorf("%s.condition: %w", at, err)
			}
		}
	}
	return &Scorer{name: name, cfg: cfg}, nil
}

// Signals maps a field name (criticality_score's, e.g.
// "legacy.contributor_count", "depsdev.dependent_count") to its value. A
// field that is absent is missing; it is not the same as 0.
type Signals map[string]float64

// Term is one input's part in a score.
type Term struct {
	Field  string  `json:"field"`
	Weight float64 `json:"weight"`
	// Threshold is T, the bound's width (0 when the input is unbounded).
	Threshold float64 `json:"threshold,omitempty"`
	// State is "present", "missing", or "not-applicable" when the input's
	// condition does not hold (the other variant of a conditional input is
	// used instead).
	State string   `json:"state"`
	Value *float64 `json:"value,omitempty"`
	// Normalized is the input's value in [0, 1] before weighting.
	Normalized *float64 `json:"normalized,omitempty"`
}

// Term states.
const (
	Present       = "present"
	Missing       = "missing"
	NotApplicable = "not-applicable"
)

// Coverage says how much of the scorer's weight the score rests on.
type Coverage struct {
	Present []string `json:"present"`
	Missing []string `json:"missing"`
	// PresentWeight and MissingWeight sum the absolute weights of the
	// applicable inputs in each group; the shares divide by their total.
	PresentWeight float64 `json:"present_weight"`
	MissingWeight float64 `json:"missing_weight"`
	PresentShare  float64 `json:"present_share"`
	MissingShare  float64 `json:"missing_share"`
}

// Result is a score with the terms it was made from.
type Result struct {
	Scorer    string `json:"scorer"`
	Algorithm string `json:"algorithm"`
	// Score is NaN-free: when no input is present Defined is false and
	// Score is 0.
	Score    float64  `json:"score"`
	Defined  bool     `json:"defined"`
	Terms    []Term   `json:"terms"`
	Coverage Coverage `json:"coverage"`
}

// Format renders the score with 5 decimals, as criticality_score prints it.
func (r Result) Format() string {
	if !r.Defined {
		return "n/a"
	}
	return strconv.FormatFloat(r.Score, 'f', 5, 64)
}

// Score computes the score of one project's signals.
func (s *Scorer) Score(sig Signals) Result {
	res := Result{Scorer: s.name, Algorithm: s.cfg.Algorithm}
	// total is the divisor: the weights of the inputs present (v2), or of
	// every applicable input (legacy, whose Python divides by the sum of all
	// its weights; a missing signal there adds 0 to the sum).
	var total, sum float64
	legacy := s.cfg.Algorithm == LegacyWeightedSum
	for _, in := range s.cfg.Inputs {
		t := Term{Field: in.Field, Weight: in.Weight}
		if in.Bounds != nil {
			t.Threshold = in.Bounds.Threshold()
		}
		v, ok := sig[in.Field]
		switch {
		case in.Condition != nil && !in.Condition.holds(sig):
			t.State = NotApplicable
		case !ok || math.IsNaN(v) || math.IsInf(v, 0):
			t.State = Missing
			res.Coverage.Missing = appendOnce(res.Coverage.Missing, in.Field)
			res.Coverage.MissingWeight += math.Abs(in.Weight)
			if legacy {
				total += in.Weight
			}
		default:
			t.State = Present
			n := in.value(v)
			t.Value, t.Normalized = &v, &n
			res.Coverage.Present = appendOnce(res.Coverage.Present, in.Field)
			res.Coverage.PresentWeight += math.Abs(in.Weight)
			total += in.Weight
			sum += in.Weight * n
		}
		res.Terms = append(res.Terms, t)
	}
	if all := res.Coverage.PresentWeight + res.Coverage.MissingWeight; all > 0 {
		res.Coverage.PresentShare = res.Coverage.PresentWeight / all
		res.Coverage.MissingShare = res.Coverage.MissingWeight / all
	}
	if res.Coverage.Present == nil {
		res.Coverage.Present = []string{}
	}
	if res.Coverage.Missing == nil {
		res.Coverage.Missing = []string{}
	}
	if total == 0 || res.Coverage.PresentWeight == 0 {
		return res
	}
	res.Defined = true
	res.Score = sum / total
	if legacy {
		// Python's round(x, 5) is correctly rounded, as is FormatFloat.
		r, _ := strconv.ParseFloat(strconv.FormatFloat(res.Score, 'f', 5, 64), 64)
		res.Score = max(min(r, 1), 0)
	}
	return res
}

func appendOnce(list []string, s string) []string {
	if slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}
