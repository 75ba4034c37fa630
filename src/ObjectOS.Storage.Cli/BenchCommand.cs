using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Spectre.Console;

namespace ObjectOS.Storage.Cli;

/// <summary>The <c>bench</c> command: throughput and latency percentiles of get, set and keys on the chosen store.</summary>
internal sealed partial class StoreCommands
{
    /// <summary>The plugin scope the benchmark writes to; it is cleared before and after the run.</summary>
    public const string BenchScope = "objectos-bench";

    private Command BuildBench()
    {
        var ops = new Option<int>("--ops", "-n") { Description = "Operations per phase (set, get); keys runs ops/100.", DefaultValueFactory = _ => 10_000 };
        var concurrency = new Option<int>("--concurrency", "-c") { Description = "Operations in flight at once.", DefaultValueFactory = _ => 8 };
        var valueSize = new Option<int>("--value-size") { Description = "Size of each value in bytes.", DefaultValueFactory = _ => 128 };
        var command = Define("bench",
            $"Measure throughput and p50/p95/p99 latency of set, get and keys on the store. Uses the plugin scope '{BenchScope}', which it clears before and after.",
            ops, concurrency, valueSize);
        command.SetAction(async (parse, ct) =>
        {
            var count = parse.GetValue(ops);
            var parallel = parse.GetValue(concurrency);
            var size = parse.GetValue(valueSize);
            if (count is < 1 or > 10_000_000)
            {
                throw new ArgumentException("--ops must be between 1 and 10,000,000.");
            }

            if (parallel is < 1 or > 1024)
            {
                throw new ArgumentException("--concurrency must be between 1 and 1024.");
            }

            if (size is < 2 or > 16 * 1024 * 1024)
            {
                throw new ArgumentException("--value-size must be between 2 bytes and 16 MiB.");
            }

            await using var session = await OpenAsync(parse, ct).ConfigureAwait(false);
            var scope = session.Storage.GetScopedStorage(BenchScope);
            await scope.ClearAsync(ct).ConfigureAwait(false);
            var value = Encoding.UTF8.GetBytes("\"" + new string('x', size - 2) + "\"");
            var keysOps = Math.Max(1, count / 100);
            var phases = new (string Name, int Count, Func<int, CancellationToken, ValueTask> Op)[]
            {
                ("set", count, (i, t) => scope.SetBytesAsync(KeyOf(i), value, null, t)),
                ("get", count, async (i, t) => _ = await scope.GetBytesAsync(KeyOf(Scramble(i, count)), t).ConfigureAwait(false)),
                ("keys", keysOps, async (i, t) => _ = await scope.KeysAsync($"k{i % 10}*", t).ConfigureAwait(false)),
            };
            var results = new List<BenchResult>();
            try
            {
                if (!Json(parse) && Terminal.CanShowProgress)
                {
                    await Terminal.Out.Progress()
                        .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
                        .StartAsync(async progress =>
                        {
                            var tasks = phases.Select(p => progress.AddTask($"{p.Name} ({p.Count:N0} ops)", autoStart: false, maxValue: p.Count)).ToArray();
                            for (var i = 0; i < phases.Length; i++)
                            {
                                tasks[i].StartTask();
                                var task = tasks[i];
                                results.Add(await RunPhaseAsync(phases[i].Name, phases[i].Count, parallel, phases[i].Op, () => task.Increment(1), ct).ConfigureAwait(false));
                                task.StopTask();
                            }
                        }).ConfigureAwait(false);
                }
                else
                {
                    foreach (var (name, n, op) in phases)
                    {
                        results.Add(await RunPhaseAsync(name, n, parallel, op, static () => { }, ct).ConfigureAwait(false));
                    }
                }
            }
            finally
            {
                await scope.ClearAsync(CancellationToken.None).ConfigureAwait(false);
            }

            WriteBenchResults(parse, session.Uri.Redacted, count, parallel, size, results);
            return ExitCodes.Success;
        });
        return command;

        static string KeyOf(int i) => "k" + i.ToString(CultureInfo.InvariantCulture);

        static int Scramble(int i, int n) => (int)((i * 2_654_435_761L) % n);
    }

    private static async Task<BenchResult> RunPhaseAsync(
        string name, int count, int parallel, Func<int, CancellationToken, ValueTask> op, Action tick, CancellationToken cancellationToken)
    {
        var next = -1;
        var latencies = new long[count];
        var total = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, Math.Min(parallel, count)).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                var start = Stopwatch.GetTimestamp();
                await op(i, cancellationToken).ConfigureAwait(false);
                latencies[i] = Stopwatch.GetTimestamp() - start;
                tick();
            }
        }, cancellationToken));
        await Task.WhenAll(workers).ConfigureAwait(false);
        total.Stop();
        Array.Sort(latencies);
        return new BenchResult(
            name,
            count,
            count / Math.Max(total.Elapsed.TotalSeconds, 1e-9),
            Percentile(latencies, 0.50),
            Percentile(latencies, 0.95),
            Percentile(latencies, 0.99),
            ToMilliseconds(latencies[^1]));
    }

    private static double Percentile(long[] sorted, double p)
    {
        var rank = (int)Math.Ceiling(p * sorted.Length) - 1;
        return ToMilliseconds(sorted[Math.Clamp(rank, 0, sorted.Length - 1)]);
    }

    private static double ToMilliseconds(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;

    private void WriteBenchResults(ParseResult parse, string store, int ops, int concurrency, int valueSize, List<BenchResult> results)
    {
        if (Json(parse))
        {
            Terminal.WriteJson(json =>
            {
                json.WriteStartObject();
                json.WriteString("store", store);
                json.WriteNumber("ops", ops);
                json.WriteNumber("concurrency", concurrency);
                json.WriteNumber("valueSize", valueSize);
                json.WriteStartArray("results");
                foreach (var r in results)
                {
                    json.WriteStartObject();
                    json.WriteString("op", r.Operation);
                    json.WriteNumber("count", r.Count);
                    json.WriteNumber("opsPerSecond", Math.Round(r.OpsPerSecond, 1));
                    json.WriteNumber("p50Ms", Math.Round(r.P50, 4));
                    json.WriteNumber("p95Ms", Math.Round(r.P95, 4));
                    json.WriteNumber("p99Ms", Math.Round(r.P99, 4));
                    json.WriteNumber("maxMs", Math.Round(r.Max, 4));
                    json.WriteEndObject();
                }

                json.WriteEndArray();
                json.WriteEndObject();
            });
            return;
        }

        var table = new Table().Border(TableBorder.Rounded)
            .Title($"bench: {Markup.Escape(store)}, concurrency {concurrency}, {valueSize}-byte values")
            .AddColumn("Operation")
            .AddColumn(new TableColumn("Ops").RightAligned())
            .AddColumn(new TableColumn("Ops/s").RightAligned())
            .AddColumn(new TableColumn("p50 ms").RightAligned())
            .AddColumn(new TableColumn("p95 ms").RightAligned())
            .AddColumn(new TableColumn("p99 ms").RightAligned())
            .AddColumn(new TableColumn("max ms").RightAligned());
        foreach (var r in results)
        {
            table.AddRow(
                r.Operation,
                r.Count.ToString("N0", CultureInfo.InvariantCulture),
                r.OpsPerSecond.ToString("N0", CultureInfo.InvariantCulture),
                r.P50.ToString("0.000", CultureInfo.InvariantCulture),
                r.P95.ToString("0.000", CultureInfo.InvariantCulture),
                r.P99.ToString("0.000", CultureInfo.InvariantCulture),
                r.Max.ToString("0.000", CultureInfo.InvariantCulture));
        }

        Terminal.Out.Write(table);
    }

    private sealed record BenchResult(string Operation, int Count, double OpsPerSecond, double P50, double P95, double P99, double Max);
}
