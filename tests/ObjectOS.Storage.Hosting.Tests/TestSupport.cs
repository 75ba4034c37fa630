using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace ObjectOS.Storage.Hosting.Tests;

/// <summary>A temporary directory removed at dispose.</summary>
public sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "objectos-hosting-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

public static class TestHosts
{
    /// <summary>A real generic host builder with the given configuration and nothing from the environment or disk.</summary>
    public static HostApplicationBuilder NewBuilder(IDictionary<string, string?>? configuration = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            DisableDefaults = true,
            EnvironmentName = Environments.Development,
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Services.AddMetrics();
        if (configuration is not null)
        {
            builder.Configuration.AddInMemoryCollection(configuration);
        }

        return builder;
    }

    /// <summary>A host whose storage is bound from the <c>Storage</c> section of <paramref name="configuration"/>.</summary>
    public static IHost Build(Dictionary<string, string?> configuration, Action<ObjectOSStorageBuilder>? storage = null, Action<IServiceCollection>? services = null)
    {
        var builder = NewBuilder(configuration);
        var storageBuilder = builder.Services.AddObjectOSStorage(builder.Configuration.GetSection(ObjectOSStorageOptions.SectionName));
        storage?.Invoke(storageBuilder);
        services?.Invoke(builder.Services);
        return builder.Build();
    }

    /// <summary>A unique, valid plugin id, so tests that listen to process-wide spans can pick out their own.</summary>
    public static string UniquePluginId(string name) => $"{name}-{Guid.NewGuid():N}";

    /// <summary>A loopback port nothing listens on.</summary>
    public static int ClosedPort()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary>The Redis server the test script started (<c>OBJECTOS_REDIS=host:port</c>), or null.</summary>
    public static (string Host, int Port)? RedisServer()
    {
        var value = Environment.GetEnvironmentVariable("OBJECTOS_REDIS");
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        var colon = value.LastIndexOf(':');
        return colon > 0 && int.TryParse(value[(colon + 1)..], out var port) ? (value[..colon], port) : (value, 6379);
    }

    /// <summary>Whether this process holds an open file descriptor on <paramref name="path"/> (Linux /proc).</summary>
    public static bool ProcessHasOpenHandle(string path)
    {
        var full = System.IO.Path.GetFullPath(path);
        foreach (var fd in Directory.EnumerateFiles("/proc/self/fd"))
        {
            try
            {
                var target = new FileInfo(fd).LinkTarget;
                if (target is not null && target.StartsWith(full, StringComparison.Ordinal))
                {
                    return true;
                }
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        return false;
    }
}

/// <summary>
/// A fake clock (FakeTimeProvider) that also counts the timers created on it that are still alive, so a test can see
/// that background work (TTL sweepers) stopped with the host.
/// </summary>
public sealed class TrackingTimeProvider : TimeProvider
{
    private int _liveTimers;

    public FakeTimeProvider Fake { get; } = new(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));

    public int LiveTimers => Volatile.Read(ref _liveTimers);

    public override DateTimeOffset GetUtcNow() => Fake.GetUtcNow();

    public override long GetTimestamp() => Fake.GetTimestamp();

    public override long TimestampFrequency => Fake.TimestampFrequency;

    public override TimeZoneInfo LocalTimeZone => Fake.LocalTimeZone;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        Interlocked.Increment(ref _liveTimers);
        return new TrackedTimer(this, Fake.CreateTimer(callback, state, dueTime, period));
    }

    private sealed class TrackedTimer(TrackingTimeProvider owner, ITimer inner) : ITimer
    {
        private int _disposed;

        public bool Change(TimeSpan dueTime, TimeSpan period) => inner.Change(dueTime, period);

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                Interlocked.Decrement(ref owner._liveTimers);
            }

            inner.Dispose();
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
