namespace Chat.Host.Storage;

/// The store cannot be opened as configured. Its message is the one line the operator sees before the
/// process exits non-zero; it never falls back to a fresh, empty history.
public sealed class StoreStartException(string message, Exception? inner = null) : Exception(message, inner);
