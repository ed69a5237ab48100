namespace Chat.Specs.Http.Support;

/// A folder of the spec's own under the temp directory, deleted with whatever is in it when disposed. Declare it
/// before the hosts that write into it, so they are disposed (stopped) first.
public sealed class TempFolder(string prefix) : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory(prefix).FullName;

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); }
        catch (IOException) { }              // a file still held by a process that is going away
        catch (UnauthorizedAccessException) { }
    }
}
