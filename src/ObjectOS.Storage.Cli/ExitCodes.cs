using System.Net.Sockets;
using ObjectOS.Runtime;

namespace ObjectOS.Storage.Cli;

/// <summary>The process exit codes, documented in docs/cli.md.</summary>
internal static class ExitCodes
{
    /// <summary>The command did what it was asked.</summary>
    public const int Success = 0;

    /// <summary>An unexpected failure, or the operator declined a confirmation.</summary>
    public const int Failure = 1;

    /// <summary>Bad usage: unknown option, bad store URI, malformed pattern, invalid key, plugin id, TTL or JSON value.</summary>
    public const int Usage = 2;

    /// <summary>The key does not exist (<c>get</c>, <c>ttl</c>, <c>del</c>).</summary>
    public const int NotFound = 3;

    /// <summary>The store cannot be reached or opened: server down, timeout, unreadable file, bad credentials.</summary>
    public const int Unavailable = 4;

    /// <summary>Access denied: <c>--as PLUGIN</c> tried to use a scope or the root store it was not granted.</summary>
    public const int AccessDenied = 5;

    /// <summary>The store refused the write: key limit reached, value too large.</summary>
    public const int Rejected = 6;

    /// <summary>Interrupted (Ctrl+C).</summary>
    public const int Cancelled = 130;

    /// <summary>Maps an exception to its exit code.</summary>
    public static int For(Exception exception) => Unwrap(exception) switch
    {
        CliException cli => cli.ExitCode,
        OperationCanceledException => Cancelled,
        StorageAccessDeniedException => AccessDenied,
        StorageUnavailableException or StorageConfigurationException or TimeoutException or IOException or SocketException
            or UnauthorizedAccessException => Unavailable,
        StorageQuotaExceededException or StorageValueTooLargeException or StorageSerializationException => Rejected,
        ArgumentException => Usage,
        var other when IsDriverConnectionError(other) => Unavailable,
        _ => Failure,
    };

    /// <summary>The exception that explains a failure: the plugin's own error rather than the kernel's wrapper.</summary>
    public static Exception Unwrap(Exception exception)
    {
        var current = exception;
        while (true)
        {
            switch (current)
            {
                case PluginLifecycleException { InnerException: { } inner }:
                    current = inner;
                    continue;
                case AggregateException { InnerExceptions.Count: 1 } aggregate:
                    current = aggregate.InnerExceptions[0];
                    continue;
                default:
                    return current;
            }
        }
    }

    private static bool IsDriverConnectionError(Exception exception)
    {
        // Driver errors that a backend did not wrap: SqliteException, RedisConnectionException, RedisTimeoutException.
        var name = exception.GetType().FullName ?? string.Empty;
        return name.StartsWith("StackExchange.Redis.", StringComparison.Ordinal)
            || name.StartsWith("Microsoft.Data.Sqlite.", StringComparison.Ordinal);
    }
}

/// <summary>A failure the CLI reports itself, with its exit code and a one-line message.</summary>
internal sealed class CliException : Exception
{
    /// <summary>Creates the exception.</summary>
    public CliException(int exitCode, string message) : base(message) => ExitCode = exitCode;

    /// <summary>Creates the exception with no specific code.</summary>
    public CliException() : this(ExitCodes.Failure, "The command failed.") { }

    /// <summary>Creates the exception with <see cref="ExitCodes.Failure"/>.</summary>
    public CliException(string message) : this(ExitCodes.Failure, message) { }

    /// <summary>Creates the exception with <see cref="ExitCodes.Failure"/> and a cause.</summary>
    public CliException(string message, Exception innerException) : base(message, innerException) => ExitCode = ExitCodes.Failure;

    /// <summary>The exit code to return.</summary>
    public int ExitCode { get; }
}
