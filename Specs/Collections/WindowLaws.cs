using Chat.Collections;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Chat.Specs.Collections;

/// The room's window shares its chunks between versions and writes into them in place; whatever is made from any
/// version, each one still reads as the list it was made as (the window against a plain list as its model).
public sealed class WindowLaws
{
    /// An operation on one of the versions made so far: add an item, remove the first, both (a slide), or set an item
    /// (a removal erases a message in place).
    private static readonly Gen<(int Kind, int Version, int Item)> Op =
        Gen.Choose(0, 9).SelectMany(kind => Gen.Choose(0, 1000).SelectMany(version => Gen.Choose(0, 9999).Select(item => (kind, version, item))));

    [Property(MaxTest = 300)]
    public Property Every_version_reads_as_its_list_whatever_is_made_from_it_or_from_the_others() =>
        Prop.ForAll(Arb.From(Gen.Choose(0, 600).SelectMany(n => Gen.ArrayOf(Op, n))), ops =>
        {
            var versions = new List<(Window<int> Window, List<int> Model)> { (Window<int>.Empty, []) };
            foreach (var (kind, pick, item) in ops)
            {
                // Mostly the latest version, as a room steps; sometimes one of the few before it, as a replay or a
                // law does (few, so that a run is long enough to slide past several chunks).
                var (window, model) = versions[versions.Count - 1 - (kind < 9 ? 0 : pick % Math.Min(versions.Count, 8))];
                if (kind is 3 && model.Count > 0)
                {
                    var at = item % model.Count;
                    versions.Add((window.SetItem(at, -item), [.. model[..at], -item, .. model[(at + 1)..]]));
                }
                else if (kind is 6 or 7 && model.Count > 0) versions.Add((window.RemoveFirst(), model[1..]));
                else if (kind is 4 or 5 && model.Count > 0) versions.Add((window.Add(item).RemoveFirst(), [.. model[1..], item]));
                else versions.Add((window.Add(item), [.. model, item]));
            }
            var wrong = versions.FindIndex(v => v.Window.Count != v.Model.Count || !v.Window.SequenceEqual(v.Model)
                || Enumerable.Range(0, v.Model.Count).Any(i => v.Window[i] != v.Model[i]));
            return (wrong < 0).Label($"version {wrong} of {versions.Count} reads differently from its list");
        });

    [Fact]
    public void Windows_with_the_same_items_are_equal_however_they_were_made_and_an_index_outside_is_refused()
    {
        var slid = Enumerable.Range(0, 200).Aggregate(Window<int>.Empty, (w, i) => w.Add(i).RemoveFirst().Add(i));
        var made = Window<int>.From(slid.ToArray());
        Assert.Equal(made, slid);
        Assert.Equal(made.GetHashCode(), slid.GetHashCode());
        Assert.NotEqual(made, made.RemoveFirst());
        Assert.Throws<ArgumentOutOfRangeException>(() => made[made.Count]);
        Assert.Throws<ArgumentOutOfRangeException>(() => made.SetItem(made.Count, 0));
        Assert.Throws<InvalidOperationException>(() => Window<int>.Empty.RemoveFirst());
    }
}
