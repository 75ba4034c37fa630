using System.Diagnostics;
using System.Text;

namespace ObjectOS.Storage.Sqlite.Tests;

/// <summary>
/// This test assembly run as a child process in one of the modes of <see cref="Program"/>; its standard output is
/// collected line by line (only complete, newline-terminated lines count).
/// </summary>
public sealed class ChildProcess : IDisposable
{
    private readonly Process _process;
    private readonly Task _reading;
    private readonly List<string> _lines = [];
    private readonly StringBuilder _errors = new();

    private ChildProcess(Process process)
    {
        _process = process;
        _reading = Task.Run(ReadLinesAsync);
        process.ErrorDataReceived += (_, e) =>
        {
            lock (_errors)
            {
                _errors.AppendLine(e.Data);
            }
        };
        process.BeginErrorReadLine();
    }

    public static ChildProcess Start(params string[] arguments)
    {
        var assembly = typeof(Program).Assembly.Location;
        var start = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(assembly);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return new ChildProcess(Process.Start(start) ?? throw new InvalidOperationException("could not start the child process"));
    }

    public int LineCount
    {
        get
        {
            lock (_lines)
            {
                return _lines.Count;
            }
        }
    }

    public string Errors
    {
        get
        {
            lock (_errors)
            {
                return _errors.ToString();
            }
        }
    }

    /// <summary>Kills the process with SIGKILL (no chance to flush or clean up) and waits for it to be gone.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: false);
        await _process.WaitForExitAsync();
    }

    /// <summary>Waits for the process to exit (at most <paramref name="timeout"/>) and for its output to be read; returns the exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill();
            throw new TimeoutException($"child process did not exit within {timeout}; stderr: {Errors}");
        }

        await _reading;
        return _process.ExitCode;
    }

    /// <summary>The complete lines written so far (all of them once the process has exited).</summary>
    public List<string> Lines()
    {
        lock (_lines)
        {
            return [.. _lines];
        }
    }

    public async Task<List<string>> AllLinesAsync()
    {
        await _reading;
        return Lines();
    }

    private async Task ReadLinesAsync()
    {
        var stream = _process.StandardOutput.BaseStream;
        var buffer = new byte[64 * 1024];
        var pending = new List<byte>();
        int read;
        while ((read = await stream.ReadAsync(buffer)) > 0)
        {
            for (var i = 0; i < read; i++)
            {
                if (buffer[i] == (byte)'\n')
                {
                    var line = Encoding.UTF8.GetString(pending.ToArray());
                    pending.Clear();
                    lock (_lines)
                    {
                        _lines.Add(line);
                    }
                }
                else
                {
                    pending.Add(buffer[i]);
                }
            }
        }

        // Whatever is left has no newline: a line cut off by the kill, which does not count.
    }

    private static string DotnetHost()
    {
        var fromHost = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(fromHost) && File.Exists(fromHost))
        {
            return fromHost;
        }

        var current = Environment.ProcessPath;
        if (current is not null && Path.GetFileNameWithoutExtension(current) == "dotnet")
        {
            return current;
        }

        var root = Environment.GetEnvironmentVariable("DOTNET_ROOT");
        if (!string.IsNullOrEmpty(root) && File.Exists(Path.Combine(root, "dotnet")))
        {
            return Path.Combine(root, "dotnet");
        }

        return "dotnet";
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
    }
}
