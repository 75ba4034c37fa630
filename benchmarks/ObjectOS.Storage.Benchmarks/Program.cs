using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Filters;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using ObjectOS.Storage.Benchmarks.Infrastructure;
using ObjectOS.Storage.Benchmarks.Memory;
using Perfolizer.Horology;

// Usage:
//   dotnet run -c Release --project benchmarks/ObjectOS.Storage.Benchmarks -- --filter '*'            full suite
//   dotnet run -c Release --project benchmarks/ObjectOS.Storage.Benchmarks -- --quick --filter '*'    whole suite, short job
//   dotnet run -c Release --project benchmarks/ObjectOS.Storage.Benchmarks -- --smoke                 one tiny benchmark (CI)
// --quick and --smoke are ours; every other argument goes to BenchmarkDotNet (--filter, --list flat, --join, ...).
var mode = args.Contains("--smoke") ? BenchmarkRunMode.Smoke
    : args.Contains("--quick") ? BenchmarkRunMode.Quick
    : BenchmarkRunMode.Full;
BenchmarkSettings.Mode = mode;
var benchmarkArgs = args.Where(a => a is not "--quick" and not "--smoke").ToArray();
if (!benchmarkArgs.Any(a => a.StartsWith('-')))
{
    // No BenchmarkDotNet option at all: run everything instead of prompting (CI has no console to answer).
    benchmarkArgs = [.. benchmarkArgs, "--filter", "*"];
}

var config = DefaultConfig.Instance
    .AddColumn(StatisticColumn.OperationsPerSecond)
    .WithSummaryStyle(SummaryStyle.Default.WithMaxParameterColumnWidth(24));

switch (mode)
{
    case BenchmarkRunMode.Quick:
        // In-process (no per-benchmark build and process start), one warm-up and three short iterations, no forced
        // full GC between iterations (it costs more than an iteration once a benchmark holds 1M keys) and no overhead
        // evaluation (every point benchmark runs hundreds of operations per invocation, so the harness cost is negligible).
        config = config.AddJob(Job.Default
            .WithToolchain(InProcessEmitToolchain.Instance)
            .WithLaunchCount(1)
            .WithWarmupCount(1)
            .WithIterationCount(3)
            .WithIterationTime(TimeInterval.FromMilliseconds(40))
            .WithMaxRelativeError(0.2)
            .WithGcForce(false)
            .WithEvaluateOverhead(false)
            .WithId("Quick"));
        break;
    case BenchmarkRunMode.Smoke:
        config = config.AddJob(Job.Dry.WithToolchain(InProcessEmitToolchain.Instance).WithId("Smoke"));
        var smoke = BenchmarkRunner.Run<MemoryReadBenchmarks>(config.AddFilter(new NameFilter(n => n == nameof(MemoryReadBenchmarks.Storage_GetBytesAsync))));
        return Failed(smoke) ? 1 : 0;
}

var summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(benchmarkArgs, config);
return summaries.Any(Failed) ? 1 : 0;

static bool Failed(Summary summary)
    => summary.HasCriticalValidationErrors || summary.Reports.Length == 0 || summary.Reports.Any(r => !r.Success);
