namespace ObjectOS.Storage.Benchmarks.Infrastructure;

/// <summary>Key names and the pseudo-random (but reproducible) order in which benchmarks visit them.</summary>
public static class BenchmarkKeys
{
    /// <summary>The plugin scope the benchmarked keys live in.</summary>
    public const string Scope = "bench";

    /// <summary>The scope prefix as stored physically.</summary>
    public const string ScopePrefix = Scope + ":";

    /// <summary>The relative key number <paramref name="i"/>: <c>item:000042</c>.</summary>
    public static string Key(int i) => $"item:{i:D6}";

    /// <summary>The relative keys <c>0 .. count-1</c>.</summary>
    public static string[] Keys(int count) => Enumerable.Range(0, count).Select(Key).ToArray();

    /// <summary>Keys that are never stored, for the miss benchmarks.</summary>
    public static string[] MissingKeys(int count) => Enumerable.Range(0, count).Select(i => $"missing:{i:D6}").ToArray();

    /// <summary>A fixed random permutation of <c>0 .. count-1</c>, so that writes hit "random existing keys".</summary>
    public static int[] RandomOrder(int count, int seed = 42)
    {
        var order = Enumerable.Range(0, count).ToArray();
        new Random(seed).Shuffle(order);
        return order;
    }

    /// <summary>The scope of "other" key number <paramref name="i"/>: other keys are spread over 100 other plugins.</summary>
    public static string OtherScope(int i) => $"other-{i % 100:D2}";
}
