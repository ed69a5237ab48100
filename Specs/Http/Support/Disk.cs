using System.Text;

namespace Chat.Specs.Http.Support;

/// What is on disk, byte for byte: the erasure specs look for a text in every file a store keeps.
public static class Disk
{
    /// The files under <paramref name="folder"/> (and its subfolders) whose bytes hold <paramref name="text"/>, as paths
    /// relative to it. A SQLite store's `.lock` (empty, and held by the store alone) is skipped, and so is a file removed
    /// while it was read (a Redis rewrite replaces its files).
    public static List<string> FilesHolding(string folder, string text)
    {
        var needle = Encoding.UTF8.GetBytes(text);
        var holding = new List<string>();
        foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories))
        {
            if (file.EndsWith(".lock", StringComparison.Ordinal)) continue;
            try
            {
                if (File.ReadAllBytes(file).AsSpan().IndexOf(needle) >= 0) holding.Add(Path.GetRelativePath(folder, file));
            }
            catch (IOException) { } // removed meanwhile
        }
        return holding;
    }
}
