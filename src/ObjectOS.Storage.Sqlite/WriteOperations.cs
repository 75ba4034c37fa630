namespace ObjectOS.Storage.Sqlite;

/// <summary>
/// One queued write. The writer loop runs it inside a shared transaction under its own savepoint, and completes it
/// only after that transaction has committed (or failed it alone when its savepoint was rolled back).
/// </summary>
internal abstract class WriteOperation
{
    protected WriteOperation(CancellationToken cancellationToken) => CancellationToken = cancellationToken;

    public CancellationToken CancellationToken { get; }

    /// <summary>Performs the write on the writer connection, inside the open transaction; throws on failure.</summary>
    public abstract void Execute(WriterConnection writer);

    /// <summary>
    /// Whether the write is one SQL statement. SQLite undoes a failed statement by itself (statement journal) and
    /// keeps the transaction, so such a write needs no savepoint of its own.
    /// </summary>
    public virtual bool IsSingleStatement => false;

    /// <summary>Completes the caller's task after the transaction holding the write has committed.</summary>
    public abstract void Succeed();

    /// <summary>Fails the caller's task: nothing of this write was kept.</summary>
    public abstract void Fail(Exception error);

    /// <summary>Completes the caller's task as canceled: the write was never started.</summary>
    public abstract void Cancel();
}

/// <summary>A write whose caller awaits a result of type <typeparamref name="T"/>.</summary>
internal abstract class WriteOperation<T> : WriteOperation
{
    private readonly TaskCompletionSource<T> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    protected WriteOperation(CancellationToken cancellationToken) : base(cancellationToken) { }

    public Task<T> Task => _completion.Task;

    protected T Result { get; set; } = default!;

    public override void Succeed() => _completion.TrySetResult(Result);

    public override void Fail(Exception error) => _completion.TrySetException(error);

    public override void Cancel() => _completion.TrySetCanceled(CancellationToken);
}

internal sealed class SetOperation(PhysicalKey key, byte[] value, long? expiresAtMs, CancellationToken cancellationToken)
    : WriteOperation<bool>(cancellationToken)
{
    public override bool IsSingleStatement => true;

    public override void Execute(WriterConnection writer)
    {
        writer.Upsert(key, value, expiresAtMs);
        Result = true;
    }
}

internal sealed class DeleteOperation(PhysicalKey key, TimeProvider time, CancellationToken cancellationToken)
    : WriteOperation<bool>(cancellationToken)
{
    public override bool IsSingleStatement => true;

    public override void Execute(WriterConnection writer) => Result = writer.Delete(key, Expiry.NowUnixTicks(time));
}

internal sealed class DeleteKeysOperation(KeyQuery query, TimeProvider time, CancellationToken cancellationToken)
    : WriteOperation<long>(cancellationToken)
{
    public override void Execute(WriterConnection writer) => Result = writer.DeleteKeys(query, Expiry.NowUnixTicks(time));
}

internal sealed class SweepOperation(int batchSize, TimeProvider time, Action<long>? completed, CancellationToken cancellationToken)
    : WriteOperation<long>(cancellationToken)
{
    public int BatchSize => batchSize;

    // "Now" is read when the sweep runs, inside the writer's transaction: a key set again with a later expiry
    // was committed before (its expires_at is in the future) or will be written after; either way it is not deleted.
    public override void Execute(WriterConnection writer) => Result = writer.SweepExpired(Expiry.NowUnixTicks(time), batchSize);

    public override void Succeed()
    {
        base.Succeed();
        completed?.Invoke(Result);
    }

    public override void Fail(Exception error)
    {
        base.Fail(error);
        completed?.Invoke(-1);
    }

    public override void Cancel()
    {
        base.Cancel();
        completed?.Invoke(-1);
    }
}

/// <summary>A write that writes nothing: proves the writer loop runs and can take the write lock (health checks).</summary>
internal sealed class ProbeOperation(CancellationToken cancellationToken) : WriteOperation<bool>(cancellationToken)
{
    public override void Execute(WriterConnection writer) => Result = true;
}

/// <summary>Conversions between the clock and the <c>expires_at</c> column (Unix epoch milliseconds).</summary>
internal static class Expiry
{
    private static readonly long UnixEpochTicks = DateTimeOffset.UnixEpoch.UtcTicks;

    /// <summary>Ticks since the Unix epoch on <paramref name="time"/>.</summary>
    public static long NowUnixTicks(TimeProvider time) => time.GetUtcNow().UtcTicks - UnixEpochTicks;

    /// <summary>
    /// The <c>expires_at</c> of a key set now with <paramref name="timeToLive"/>: now rounded up to a whole
    /// millisecond plus the TTL rounded up to whole milliseconds, so a key never lives shorter than asked.
    /// </summary>
    public static long ExpiresAtMs(long nowUnixTicks, TimeSpan timeToLive)
        => ((nowUnixTicks + TimeSpan.TicksPerMillisecond - 1) / TimeSpan.TicksPerMillisecond) + StorageValidation.ToExpiryMilliseconds(timeToLive);

    /// <summary>The "now" bound for SQL: a row is live when <c>expires_at &gt; NowMs</c>.</summary>
    public static long NowMs(long nowUnixTicks) => Math.DivRem(nowUnixTicks, TimeSpan.TicksPerMillisecond, out var rest) - (rest < 0 ? 1 : 0);

    /// <summary>Whether a row with <paramref name="expiresAtMs"/> is live at <paramref name="nowUnixTicks"/>.</summary>
    public static bool IsLive(long expiresAtMs, long nowUnixTicks) => expiresAtMs > NowMs(nowUnixTicks);

    /// <summary>The time left until <paramref name="expiresAtMs"/>, for a live row.</summary>
    public static TimeSpan Remaining(long expiresAtMs, long nowUnixTicks)
    {
        var maxMs = (TimeSpan.MaxValue.Ticks - Math.Max(0, nowUnixTicks)) / TimeSpan.TicksPerMillisecond;
        return expiresAtMs >= maxMs ? TimeSpan.MaxValue : TimeSpan.FromTicks((expiresAtMs * TimeSpan.TicksPerMillisecond) - nowUnixTicks);
    }
}
