using Chat.Host;
using Chat.Host.Storage;

try
{
    var app = ChatApp.Build(args);
    await app.RunAsync();
    return 0;
}
catch (StoreStartException e)
{
    // One clear line and a non-zero exit: never start on a store that is not the one configured.
    await Console.Error.WriteLineAsync(e.Message);
    return 2;
}
catch (Microsoft.Extensions.Options.OptionsValidationException e)
{
    await Console.Error.WriteLineAsync($"configuration: {string.Join("; ", e.Failures)}");
    return 2;
}
