namespace Platform.Bench.Measurement;

public enum Better
{
    Lower,
    Higher,
}

/// <summary>
/// One figure and its baseline, one value of each per run, both measured in the same run so machine noise
/// (two cores shared with other builds) affects both alike; the ratio is computed per run.
/// </summary>
public sealed class Comparison(string scenario, string name, string unit, string baselineName, Better better)
{
    public string Scenario { get; } = scenario;
    public string Name { get; } = name;
    public string Unit { get; } = unit;
    public string BaselineName { get; } = baselineName;
    public Better Better { get; } = better;
    public List<double> Subject { get; } = [];
    public List<double> Baseline { get; } = [];

    public IEnumerable<double> Ratios => Subject.Zip(Baseline, (s, b) => b == 0 ? double.NaN : s / b);

    public void Add(double subject, double baseline)
    {
        Subject.Add(subject);
        Baseline.Add(baseline);
    }
}

/// <summary>A scenario's own table (rows already formatted), for figures that form a series rather than one line each.</summary>
public sealed record ReportTable(string Scenario, IReadOnlyList<string> Header, IReadOnlyList<IReadOnlyList<string>> Rows);

/// <summary>A target named in an issue, judged on the median over runs.</summary>
public sealed record TargetResult(string Issue, string Target, string Measured, bool? Met);

public sealed class Results
{
    private readonly Dictionary<string, Comparison> _comparisons = [];

    public List<TargetResult> Targets { get; } = [];

    /// <summary>Figures measured once per run without a meaningful baseline ratio (memory, notes).</summary>
    public List<(string Scenario, string Name, string Value)> Facts { get; } = [];

    public List<string> NotMeasured { get; } = [];

    public List<ReportTable> Tables { get; } = [];

    /// <summary>Figures with no baseline of their own (RSS, error counts), one value per run.</summary>
    public List<(string Scenario, string Name, string Unit, List<double> Values)> Singles { get; } = [];

    public void AddSingle(string scenario, string name, string unit, double value)
    {
        var index = Singles.FindIndex(s => s.Scenario == scenario && s.Name == name);
        if (index < 0)
        {
            Singles.Add((scenario, name, unit, [value]));
        }
        else
        {
            Singles[index].Values.Add(value);
        }
    }

    /// <summary>What a scenario measures and how to read it, printed under its table.</summary>
    public Dictionary<string, string> Notes { get; } = [];

    public IEnumerable<Comparison> Comparisons => _comparisons.Values;

    public Comparison Comparison(string scenario, string name, string unit, string baselineName, Better better)
    {
        var key = scenario + "\n" + name;
        if (!_comparisons.TryGetValue(key, out var comparison))
        {
            _comparisons[key] = comparison = new Comparison(scenario, name, unit, baselineName, better);
        }

        return comparison;
    }

    public Comparison? Find(string scenario, string name) =>
        _comparisons.GetValueOrDefault(scenario + "\n" + name);
}

public static class Stats
{
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Where(v => !double.IsNaN(v)).Order().ToArray();
        if (sorted.Length == 0)
        {
            return double.NaN;
        }

        var mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
