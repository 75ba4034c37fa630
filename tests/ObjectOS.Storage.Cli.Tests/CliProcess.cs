using System.Diagnostics;
using System.Text;

namespace ObjectOS.Storage.Cli.Tests;

/// <summary>The outcome of one run of the CLI.</summary>
public sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    /// <summary>Both streams, for assertion messages.</summary>
    public override string ToString() => $"exit {ExitCode}\n--- stdout ---\n{Stdout}\n--- stderr ---\n{Stderr}";
}

/// <summary>Runs the built <c>objectos-storage</c> tool as a real child process (<c>dotnet objectos-storage.dll ...</c>).</summary>
public static class CliProcess
{
    private static readonly Lazy<string> Dll = new(LocateDll);

    /// <summary>The path of the built CLI assembly.</summary>
    public static string DllPath => Dll.Value;

    /// <summary>Runs the CLI with <paramref name="args"/> in <paramref name="workingDirectory"/>, with redirected stdin/stdout/stderr.</summary>
    public static async Task<CliResult> RunAsync(
        string workingDirectory,
        IEnumerable<string> args,
        string? stdin = null,
        IReadOnlyDictionary<string, string?>? environment = null,
        TimeSpan? timeout = null)
    {
        var info = new ProcessStartInfo(DotnetHost())
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = new UTF8Encoding(false),
            StandardErrorEncoding = new UTF8Encoding(false),
            StandardInputEncoding = new UTF8Encoding(false),
        };
        info.ArgumentList.Add(DllPath);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment.Remove("OBJECTOS_STORAGE");
        info.Environment.Remove("NO_COLOR");
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment["TERM"] = "xterm-256color"; // redirected output must stay plain even on a colour terminal
        if (environment is not null)
        {
            foreach (var (name, value) in environment)
            {
                if (value is null)
                {
                    info.Environment.Remove(name);
                }
                else
                {
                    info.Environment[name] = value;
                }
            }
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException("Could not start the CLI.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
        }

        process.StandardInput.Close();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"objectos-storage {string.Join(' ', args)} did not finish in time.\n{await stdout}\n{await stderr}");
        }

        return new CliResult(process.ExitCode, await stdout, await stderr);
    }

    private static string DotnetHost()
    {
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        return !string.IsNullOrEmpty(host) && File.Exists(host) ? host : "dotnet";
    }

    /// <summary>
    /// The CLI's own build output (it has its deps.json, runtimeconfig.json and native SQLite); falls back to the copy
    /// next to the test assembly when that output cannot be found.
    /// </summary>
    private static string LocateDll()
    {
        const string name = "objectos-storage.dll";
        var here = AppContext.BaseDirectory;
        var pivot = new DirectoryInfo(here.TrimEnd(Path.DirectorySeparatorChar)).Name; // e.g. "release" under .artifacts/bin/<project>/<pivot>
        for (var dir = new DirectoryInfo(here); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "ObjectOS.Storage.Cli", pivot, name);
            if (File.Exists(candidate) && File.Exists(Path.ChangeExtension(candidate, ".runtimeconfig.json")))
            {
                return candidate;
            }
        }

        var local = Path.Combine(here, name);
        if (File.Exists(local) && File.Exists(Path.ChangeExtension(local, ".runtimeconfig.json")))
        {
            return local;
        }

        throw new FileNotFoundException($"Cannot find the built {name} (looked for .artifacts/bin/ObjectOS.Storage.Cli/{pivot}/ and next to the tests).");
    }
}
