namespace ObjectOS.Storage.Benchmarks.Infrastructure;

/// <summary>How much of the suite runs and how long each benchmark is measured.</summary>
public enum BenchmarkRunMode
{
    /// <summary>BenchmarkDotNet's default job, every parameter value: the numbers published in docs/benchmarks.md.</summary>
    Full,

    /// <summary>A short in-process job (few, short iterations), every scenario: the whole suite in minutes.</summary>
    Quick,

    /// <summary>One tiny benchmark, one iteration: a CI smoke test with no timing assertion.</summary>
    Smoke,
}

/// <summary>
/// The run mode chosen on the command line, and the parameter values that depend on it. Parameter sources are
/// read by the host process before any benchmark runs, so a static set once in <c>Main</c> is enough.
/// </summary>
public static class BenchmarkSettings
{
    public static BenchmarkRunMode Mode { get; set; } = BenchmarkRunMode.Full;

    public static IEnumerable<ValueSize> ValueSizes
        => Mode == BenchmarkRunMode.Smoke ? [ValueSize.Small100B] : [ValueSize.Small100B, ValueSize.Large10KB];

    public static IEnumerable<int> Concurrencies
        => Mode == BenchmarkRunMode.Smoke ? [1] : [1, 16];

    /// <summary>Keys living in other scopes while one 1k-key scope is listed: 10k / 100k / 1M (quick mode: the two ends).</summary>
    public static IEnumerable<int> OtherKeyCounts => Mode switch
    {
        BenchmarkRunMode.Full => [10_000, 100_000, 1_000_000],
        BenchmarkRunMode.Quick => [10_000, 1_000_000],
        _ => [10_000],
    };
}
