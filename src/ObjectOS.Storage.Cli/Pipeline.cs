using System.Runtime.CompilerServices;

namespace ObjectOS.Storage.Cli;

/// <summary>Bounded pipelining: keeps up to a window of operations in flight (round trips overlap on Redis) without reading a whole store into memory.</summary>
internal static class Pipeline
{
    /// <summary>The default number of operations in flight.</summary>
    public const int DefaultWindow = 32;

    /// <summary>
    /// Applies <paramref name="selector"/> to each item with up to <paramref name="window"/> calls running at once and
    /// yields the results in source order.
    /// </summary>
    public static async IAsyncEnumerable<TResult> SelectAsync<TSource, TResult>(
        IAsyncEnumerable<TSource> source,
        Func<TSource, CancellationToken, Task<TResult>> selector,
        int window,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(selector);
        ArgumentOutOfRangeException.ThrowIfLessThan(window, 1);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var inFlight = new Queue<Task<TResult>>();
        try
        {
            await foreach (var item in source.WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                inFlight.Enqueue(selector(item, linked.Token));
                if (inFlight.Count >= window)
                {
                    yield return await inFlight.Dequeue().ConfigureAwait(false);
                }
            }

            while (inFlight.Count > 0)
            {
                yield return await inFlight.Dequeue().ConfigureAwait(false);
            }
        }
        finally
        {
            if (inFlight.Count > 0)
            {
                // Stopped early (error or cancellation): cancel and observe what is still running.
                await linked.CancelAsync().ConfigureAwait(false);
                try
                {
                    await Task.WhenAll(inFlight).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    // The first error has already been thrown to the caller.
                }
            }
        }
    }
}
