using ObjectOS.Storage;

namespace ObjectOS.Storage.Benchmarks.Infrastructure;

/// <summary>
/// Splits one benchmark invocation of <c>totalOperations</c> operations over <c>workers</c> concurrent callers.
/// With one worker the body runs inline on the calling thread (no scheduling cost in the measurement); with more,
/// each worker is a thread-pool task running its share sequentially, so that N operations are in flight at once.
/// The body receives (worker index, first operation number, operation count) and returns a checksum that keeps
/// the JIT from eliding the work.
/// </summary>
public static class Workers
{
    public static Task<long> Run(int workers, int totalOperations, Func<int, int, int, long> body)
    {
        if (workers == 1)
        {
            return Task.FromResult(body(0, 0, totalOperations));
        }

        var share = totalOperations / workers;
        var tasks = new Task<long>[workers];
        for (var w = 0; w < workers; w++)
        {
            var worker = w;
            tasks[w] = Task.Run(() => body(worker, worker * share, share));
        }

        return Sum(tasks);
    }

    public static Task<long> RunAsync(int workers, int totalOperations, Func<int, int, int, ValueTask<long>> body)
    {
        if (workers == 1)
        {
            return body(0, 0, totalOperations).AsTask();
        }

        var share = totalOperations / workers;
        var tasks = new Task<long>[workers];
        for (var w = 0; w < workers; w++)
        {
            var worker = w;
            tasks[w] = Task.Run(async () => await body(worker, worker * share, share).ConfigureAwait(false));
        }

        return Sum(tasks);
    }

    /// <summary>Deletes <c>keys[0..totalOperations)</c> from <paramref name="store"/> over <paramref name="workers"/> callers; returns how many were removed.</summary>
    public static Task<long> DeleteEachAsync(IKeyValueStore store, string[] keys, int workers, int totalOperations)
        => RunAsync(workers, totalOperations, async (worker, first, count) =>
        {
            long removed = 0;
            for (var i = first; i < first + count; i++)
            {
                removed += await store.DeleteAsync(keys[i]).ConfigureAwait(false) ? 1 : 0;
            }

            return removed;
        });

    private static async Task<long> Sum(Task<long>[] tasks)
    {
        var results = await Task.WhenAll(tasks).ConfigureAwait(false);
        long sum = 0;
        foreach (var result in results)
        {
            sum += result;
        }

        return sum;
    }
}
