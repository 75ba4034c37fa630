using ObjectOS.Storage.Cli;

return await CliApp.RunAsync(args).ConfigureAwait(false);
