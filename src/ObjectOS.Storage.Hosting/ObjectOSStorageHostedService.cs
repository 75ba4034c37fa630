using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace ObjectOS.Storage.Hosting;

/// <summary>
/// Ties the storage to the host's lifetime: opens the backend while the host is starting, before any hosted service's
/// <c>StartAsync</c> (so a bad configuration fails the start with the backend's typed exception), and disposes it once
/// every hosted service has stopped (so TTL sweepers and connections end with the host, after the services that
/// still write on their way out).
/// </summary>
internal sealed partial class ObjectOSStorageHostedService : IHostedLifecycleService
{
    private readonly StoragePlugin _storage;
    private readonly ObjectOSStorageOptions _options;
    private readonly ILogger _logger;

    public ObjectOSStorageHostedService(StoragePlugin storage, IOptions<ObjectOSStorageOptions> options, ILoggerFactory? loggerFactory = null)
    {
        _storage = storage;
        _options = options.Value;
        _logger = (ILogger?)loggerFactory?.CreateLogger("ObjectOS.Storage.Hosting") ?? NullLogger.Instance;
    }

    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        var backend = _storage.Backend.Name;
        if (!_options.InitializeOnStart)
        {
            LogDeferred(_logger, backend);
            return;
        }

        try
        {
            await _storage.InitializeAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogFailed(_logger, ex, backend);
            throw;
        }

        LogOpened(_logger, backend);
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StoppedAsync(CancellationToken cancellationToken)
    {
        await _storage.DisposeAsync().ConfigureAwait(false);
        LogClosed(_logger, _storage.Backend.Name);
    }

    [LoggerMessage(1, LogLevel.Information, "ObjectOS storage opened its {Backend} backend.")]
    private static partial void LogOpened(ILogger logger, string backend);

    [LoggerMessage(2, LogLevel.Information, "ObjectOS storage will open its {Backend} backend on first use (InitializeOnStart is off).")]
    private static partial void LogDeferred(ILogger logger, string backend);

    [LoggerMessage(3, LogLevel.Critical, "ObjectOS storage could not open its {Backend} backend; the host will not start.")]
    private static partial void LogFailed(ILogger logger, Exception exception, string backend);

    [LoggerMessage(4, LogLevel.Information, "ObjectOS storage closed its {Backend} backend.")]
    private static partial void LogClosed(ILogger logger, string backend);
}
