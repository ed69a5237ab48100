using System.Text;
using Chat.Core;
using Chat.Core.Room;
using Chat.Core.Values;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using LanguageExt;

namespace Chat.Specs.Properties;

/// The core's values say what they accept and what they refuse, for any input: room names, message texts, indexes,
/// idempotency keys and author names (the mutation score showed these parses had no law of their own).
public sealed class ValueLaws
{
    private static readonly Gen<char> NameChars = Gen.Elements("abcXYZ019_-".ToCharArray());
    private static readonly Gen<char> AnyChars = Gen.Elements("aZ9_- \t\n\u0000é€😀/.%".ToCharArray());

    private static Arbitrary<string> Strings(Gen<char> chars, int max) =>
        Arb.From(Gen.Choose(0, max).SelectMany(n => Gen.ArrayOf(chars, n)).Select(cs => new string(cs)));

    [Property(MaxTest = 300)]
    public Property A_room_name_is_1_to_64_letters_digits_underscores_and_dashes() =>
        Prop.ForAll(Strings(Gen.Frequency((6, NameChars), (1, AnyChars)), 70), raw =>
        {
            var valid = raw.Length is > 0 and <= RoomName.MaxLength && raw.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-');
            var parsed = RoomName.Parse(raw);
            return (valid
                    ? parsed.Match(name => name.Value == raw && name.ToString() == raw, _ => false)
                    : parsed.Match(_ => false, r => r is Rejection.BadRoom b && b.Raw == raw))
                .Label($"'{raw}' valid={valid} parsed={parsed}");
        });

    [Fact]
    public void The_default_room_is_one_instance_and_no_name_is_refused()
    {
        Assert.Same(RoomName.Default, (RoomName)RoomName.Parse("chat"));
        Assert.Equal("chat", RoomName.Default.Value);
        Assert.Equal(new Rejection.BadRoom(""), (Rejection)RoomName.Parse(null));
        Assert.True(RoomName.Parse(new string('a', 64)).IsRight);
        Assert.True(RoomName.Parse(new string('a', 65)).IsLeft);
    }

    [Property(MaxTest = 300)]
    public Property A_message_is_not_empty_and_at_most_its_limit_in_utf8_bytes() =>
        Prop.ForAll(Strings(AnyChars, 12), Arb.From(Gen.Choose(0, 30)), (raw, max) =>
        {
            var bytes = Encoding.UTF8.GetByteCount(raw);
            var parsed = MessageText.Parse(raw, max);
            var expected = raw.Length == 0 ? "empty" : bytes > max ? "too large" : "ok";
            var got = parsed.Match(t => t.Value == raw && t.Bytes == bytes && t.ToString() == raw ? "ok" : "wrong text",
                r => r switch { Rejection.EmptyMessage => "empty", Rejection.TooLarge t when t.LimitBytes == max => "too large", _ => $"{r}" });
            return (got == expected).Label($"'{raw}' ({bytes} B) at most {max}: {got}, expected {expected}");
        });

    [Fact]
    public void Texts_are_equal_by_their_ordinal_value_and_count_their_bytes_from_the_store()
    {
        var stored = MessageText.FromStore("ü€😀");
        Assert.Equal(Encoding.UTF8.GetByteCount("ü€😀"), stored.Bytes);
        Assert.Equal(stored, (MessageText)MessageText.Parse("ü€😀", 100));
        Assert.Equal(stored.GetHashCode(), ((MessageText)MessageText.Parse("ü€😀", 100)).GetHashCode());
        Assert.NotEqual(MessageText.FromStore("a"), MessageText.FromStore("A"));
        Assert.False(MessageText.FromStore("a").Equals(null));
        Assert.True(MessageText.Parse("abc", 3).IsRight);
        var message = Message.Of(stored);
        Assert.Equal(stored.Bytes, message.Bytes);
        Assert.Equal("ü€😀", message.ToString());
        Assert.True(message.Author.IsNone && message.Time.IsNone);
    }

    [Property(MaxTest = 300)]
    public Property An_index_is_decimal_digits_alone_and_fits_a_long() =>
        Prop.ForAll(Strings(Gen.Frequency((8, Gen.Elements("0123456789".ToCharArray())), (1, Gen.Elements("-+ a.1".ToCharArray()))), 22), raw =>
        {
            var digits = raw.Length > 0 && raw.All(char.IsAsciiDigit);
            var fits = digits && long.TryParse(raw, out _);
            var parsed = MessageIndex.Parse(raw);
            var ok = parsed.Match(
                i => fits && i.Value == long.Parse(raw, System.Globalization.CultureInfo.InvariantCulture) && i.ToString() == i.Value.ToString(System.Globalization.CultureInfo.InvariantCulture),
                r => r switch
                {
                    Rejection.BadIndex b => !digits && b.Raw == raw,
                    Rejection.IndexOutOfRange o => digits && !fits && o.Raw == raw,
                    _ => false,
                });
            return ok.Label($"'{raw}' -> {parsed}");
        });

    [Property]
    public Property Indexes_order_and_step_as_their_numbers(long a, long b)
    {
        var (x, y) = (new MessageIndex(a / 2), new MessageIndex(b / 2));
        return ((x < y) == (a / 2 < b / 2) && (x > y) == (a / 2 > b / 2) && (x <= y) == (a / 2 <= b / 2) && (x >= y) == (a / 2 >= b / 2)
                && x.CompareTo(y) == (a / 2).CompareTo(b / 2) && x.Next.Value == a / 2 + 1 && x.Plus(b / 2).Value == a / 2 + b / 2)
            .Label($"{x} vs {y}");
    }

    [Fact]
    public void No_index_is_refused_with_nothing()
    {
        Assert.Equal(new Rejection.BadIndex(""), (Rejection)MessageIndex.Parse(null));
        Assert.Equal(new Rejection.BadIndex(""), (Rejection)MessageIndex.Parse(""));
        Assert.Equal(0, MessageIndex.Zero.Value);
    }

    [Property(MaxTest = 300)]
    public Property A_key_is_1_to_200_visible_ascii_characters() =>
        Prop.ForAll(Strings(Gen.Frequency((10, Gen.Elements("!~aZ09-_".ToCharArray())), (1, Gen.Elements(" \u007f\té".ToCharArray()))), 205), raw =>
        {
            var valid = raw.Length is > 0 and <= IdempotencyKey.MaxLength && raw.All(c => c is > ' ' and < (char)127);
            var parsed = IdempotencyKey.Parse(raw);
            return (valid
                    ? parsed.Match(k => k.Map(key => key.Value == raw && key.ToString() == raw && key.Equals(IdempotencyKey.FromStore(raw))).IfNone(false), _ => false)
                    : parsed.Match(_ => false, r => r is Rejection.BadIdempotencyKey))
                .Label($"'{raw}' ({raw.Length}) valid={valid}: {parsed}");
        });

    [Fact]
    public void No_key_header_is_no_key()
    {
        Assert.True(((Option<IdempotencyKey>)IdempotencyKey.Parse(null)).IsNone);
        Assert.True(IdempotencyKey.Parse(new string('k', 200)).IsRight);
        Assert.True(IdempotencyKey.Parse(new string('k', 201)).IsLeft);
        Assert.True(IdempotencyKey.Parse("").IsLeft);
    }

    [Property(MaxTest = 300)]
    public Property A_name_is_trimmed_1_to_64_characters_without_control_characters() =>
        Prop.ForAll(Strings(Gen.Frequency((10, Gen.Elements("aZ é😀".ToCharArray())), (1, Gen.Elements("\t\u0001\n".ToCharArray()))), 70), raw =>
        {
            var trimmed = raw.Trim();
            var runes = trimmed.EnumerateRunes().ToList();
            var control = runes.Exists(Rune.IsControl);
            var parsed = AuthorName.Parse(raw);
            var ok = control || runes.Count is 0 or > AuthorName.MaxLength
                ? parsed.Match(_ => false, r => r is Rejection.BadName b && b.Detail.Contains(control ? "control" : "characters", StringComparison.Ordinal))
                : parsed.Match(n => n.Map(name => name.Value == trimmed && name.ToString() == trimmed).IfNone(false), _ => false);
            return ok.Label($"'{raw}' -> {parsed}");
        });

    [Fact]
    public void A_name_counts_characters_not_utf16_units_and_none_is_anonymous()
    {
        Assert.True(((Option<AuthorName>)AuthorName.Parse(null)).IsNone);
        Assert.True(AuthorName.Parse(string.Concat(Enumerable.Repeat("😀", 64))).IsRight); // 128 UTF-16 units
        Assert.True(AuthorName.Parse(string.Concat(Enumerable.Repeat("😀", 65))).IsLeft);
        Assert.Equal("Ann", AuthorName.FromStore("Ann").Value);
    }

    [Fact]
    public async Task Waiter_ids_and_the_equality_instances_say_what_they_are()
    {
        Assert.Equal("w7", new WaiterId(7).ToString());
        var eq = default(EqValue<WaiterId>);
        Assert.True(eq.Equals(new WaiterId(3), new WaiterId(3)));
        Assert.False(eq.Equals(new WaiterId(3), new WaiterId(4)));
        Assert.Equal(new WaiterId(3).GetHashCode(), eq.GetHashCode(new WaiterId(3)));
        Assert.True(await eq.EqualsAsync(new WaiterId(3), new WaiterId(3)));
        Assert.Equal(new WaiterId(3).GetHashCode(), await eq.GetHashCodeAsync(new WaiterId(3)));
        Assert.Equal(new RoomLimits(1024, 4 * 1024 * 1024, 10_000), RoomLimits.Default); // the documented defaults
        Assert.Equal(Want.One(new MessageIndex(5)), new Want(new MessageIndex(5), 1));
    }
}
