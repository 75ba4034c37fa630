using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ObjectOS.Storage.Redis.Tests;

/// <summary>
/// A redis-server process of one test's own (not daemonized) on a free loopback port, which the test may kill with
/// SIGKILL, freeze with SIGSTOP and restart on the same port. Data survives restarts (AOF, fsync always).
/// </summary>
public sealed class RedisServerProcess : IAsyncDisposable
{
    private readonly string[] _extraArgs;
    private readonly string _dir;
    private Process? _process;

    private RedisServerProcess(int port, string[] extraArgs, string? dir = null)
    {
        Port = port;
        _extraArgs = extraArgs;
        _dir = dir ?? Directory.CreateTempSubdirectory("objectos-redis-fault-").FullName;
    }

    /// <summary>Whether the server only speaks TLS (then readiness is checked by a TCP connect only).</summary>
    private bool Tls => _extraArgs.Contains("--tls-port");

    /// <summary>The loopback port the server listens on.</summary>
    public int Port { get; }

    /// <summary>host:port of the server.</summary>
    public string EndPoint => $"127.0.0.1:{Port}";

    /// <summary>The process id of the running server.</summary>
    public int ProcessId => _process?.Id ?? throw new InvalidOperationException("not running");

    /// <summary>Starts a server on a free port with extra redis-server arguments (e.g. "--requirepass", "x").</summary>
    public static async Task<RedisServerProcess> StartAsync(params string[] extraArgs)
    {
        var server = new RedisServerProcess(FreePort(), extraArgs);
        await server.RestartAsync();
        return server;
    }

    /// <summary>
    /// Starts a TLS-only server on a free port with the certificate files that <paramref name="writeCertificates"/>
    /// writes into the server's directory (returns the cert, key and CA file names).
    /// </summary>
    public static async Task<RedisServerProcess> StartTlsAsync(Func<string, (string Cert, string Key, string Ca)> writeCertificates)
    {
        var port = FreePort();
        var dir = Directory.CreateTempSubdirectory("objectos-redis-tls-").FullName;
        var (cert, key, ca) = writeCertificates(dir);
        var server = new RedisServerProcess(port, ["--port", "0", "--tls-port", port.ToString(), "--tls-cert-file", cert, "--tls-key-file", key, "--tls-ca-cert-file", ca, "--tls-auth-clients", "no"], dir);
        await server.RestartAsync();
        return server;
    }

    /// <summary>Starts the server (again) on the same port and waits until it accepts connections.</summary>
    public async Task RestartAsync()
    {
        var info = new ProcessStartInfo("redis-server") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[]
        {
            "--port", Port.ToString(), "--bind", "127.0.0.1", "--protected-mode", "no", "--daemonize", "no",
            "--dir", _dir, "--save", "", "--appendonly", "yes", "--appendfsync", "always", "--logfile", Path.Combine(_dir, "redis.log"),
        }.Concat(_extraArgs))
        {
            info.ArgumentList.Add(arg);
        }

        _process = Process.Start(info) ?? throw new InvalidOperationException("cannot start redis-server");
        _process.StandardOutput.ReadToEndAsync().ContinueWith(_ => { }, TaskScheduler.Default).GetAwaiter();
        _process.StandardError.ReadToEndAsync().ContinueWith(_ => { }, TaskScheduler.Default).GetAwaiter();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (!await AnswersAsync())
        {
            if (DateTime.UtcNow > deadline || _process.HasExited)
            {
                throw new InvalidOperationException($"redis-server on port {Port} did not start: {await File.ReadAllTextAsync(Path.Combine(_dir, "redis.log"))}");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>Kills the server with SIGKILL and waits until it is gone.</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }
    }

    /// <summary>Freezes (SIGSTOP) or resumes (SIGCONT) the server process: it keeps its socket but stops answering.</summary>
    public async Task SignalAsync(string signal)
    {
        using var kill = Process.Start("kill", ["-" + signal, ProcessId.ToString()]);
        await kill.WaitForExitAsync();
    }

    private async Task<bool> AnswersAsync()
    {
        try
        {
            using var client = new TcpClient();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            await client.ConnectAsync(IPAddress.Loopback, Port, timeout.Token);
            if (Tls)
            {
                return true;
            }

            var stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray(), timeout.Token);
            var buffer = new byte[64];
            var read = await stream.ReadAsync(buffer, timeout.Token);
            var reply = Encoding.ASCII.GetString(buffer, 0, read);
            return reply.StartsWith("+PONG", StringComparison.Ordinal) || reply.StartsWith("-NOAUTH", StringComparison.Ordinal);
        }
        catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException)
        {
            return false;
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Kills the server and deletes its files.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            await SignalAsync("CONT");
        }

        await KillAsync();
        _process?.Dispose();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
