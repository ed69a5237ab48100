using System.Text.RegularExpressions;
using Chat.Core.Room;

namespace Chat.Specs.Docs;

/// The documents a newcomer reads: a short front page, links that lead somewhere, and an architecture page that names
/// the core's closed lists as the code has them.
public sealed partial class DocsSpecs
{
    private static readonly string Root = FindRoot();

    [Fact]
    public void The_readme_is_at_most_12_KB_and_opens_with_the_two_commands()
    {
        var readme = File.ReadAllText(Path.Combine(Root, "README.md"));
        Assert.True(readme.Length <= 12 * 1024, $"README.md is {readme.Length} bytes");
        var firstBlock = CodeBlock().Match(readme).Value;
        Assert.Contains("dotnet run --project Host", firstBlock);
        Assert.Contains("./test", firstBlock);
    }

    [Fact]
    public void Every_relative_link_in_the_readme_and_the_docs_resolves()
    {
        var pages = Directory.GetFiles(Path.Combine(Root, "docs"), "*.md").Append(Path.Combine(Root, "README.md"))
            .Append(Path.Combine(Root, "bench", "RESULTS.md")).Where(File.Exists);
        var broken = (from page in pages
                      from Match link in Link().Matches(File.ReadAllText(page))
                      let target = link.Groups["target"].Value.Split('#')[0]
                      where target.Length > 0 && !target.Contains("://") && !target.StartsWith("mailto:", StringComparison.Ordinal)
                      let path = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(page)!, Uri.UnescapeDataString(target)))
                      where !File.Exists(path) && !Directory.Exists(path)
                      select $"{Path.GetRelativePath(Root, page)}: {target}").ToList();
        Assert.Empty(broken);
    }

    [Fact]
    public void The_architecture_page_names_every_command_and_effect_and_none_the_code_lacks()
    {
        var page = File.ReadAllText(Path.Combine(Root, "docs", "architecture.md"));
        foreach (var union in new[] { typeof(Command), typeof(Effect) })
        {
            var cases = union.GetNestedTypes().Where(t => t.IsSubclassOf(union)).Select(t => t.Name).ToHashSet();
            var named = Regex.Matches(page, $@"`{union.Name}\.(\w+)`").Select(m => m.Groups[1].Value).ToHashSet();
            Assert.Empty(cases.Except(named));
            Assert.Empty(named.Except(cases));
        }
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Chat.sln"))) return dir.FullName;
        throw new InvalidOperationException("no Chat.sln above the test's folder");
    }

    /// `[text](target)` and `![alt](target)`, the target without spaces.
    [GeneratedRegex(@"\]\((?<target>[^)\s]+)\)")]
    private static partial Regex Link();

    [GeneratedRegex(@"```[a-z]*\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex CodeBlock();
}
