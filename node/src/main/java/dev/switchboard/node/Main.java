package dev.switchboard.node;

/** Placeholder entry point; replaced by the picocli command. */
public final class Main {
    private Main() {
    }

    public static void main(final String[] args) {
        System.out.println("Switchboard");
    }
}
