package org.productservice.browser;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;

/**
 * Headless Chromium from the system packages (Debian: chromium, chromium-driver), with no network
 * beyond this machine: every request to anything but the loopback goes to a proxy that does not
 * exist, so a page that needs the internet (a CDN, fonts, telemetry) fails here as it would on an
 * air-gapped laptop.
 *
 * <p>Where Chromium or its driver is missing the tests are skipped with the reason logged, unless
 * {@code BROWSER_TESTS_REQUIRED=true} (CI), where they fail instead.
 */
final class Chromium {
    private static final System.Logger LOGGER = System.getLogger(Chromium.class.getName());
    private static final List<String> BROWSERS = List.of("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome");
    private static final List<String> DRIVERS = List.of("/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver");
    /** A host name (reserved .test domain) that resolves to this machine inside the browser only. */
    static final String OTHER_HOST = "docs.product-service.test";
    private static final Path SCREENSHOTS = Path.of(System.getProperty("screenshots.dir", "target/screenshots"));

    private Chromium() {
    }

    /**
     * Starts a headless Chromium, or skips the calling test when none is installed.
     *
     * @return a driver; quit it after use
     */
    static WebDriver start() {
        Optional<Path> browser = firstExisting(BROWSERS, "CHROMIUM_BINARY");
        Optional<Path> driver = firstExisting(DRIVERS, "CHROMEDRIVER");
        if (browser.isEmpty() || driver.isEmpty()) {
            String reason = "browser tests need Chromium and its driver (Debian: apt-get install chromium chromium-driver;"
                            + " or set CHROMIUM_BINARY and CHROMEDRIVER); looked for " + BROWSERS + " and " + DRIVERS;
            if (Boolean.parseBoolean(System.getenv("BROWSER_TESTS_REQUIRED"))) {
                throw new IllegalStateException(reason);
            }
            LOGGER.log(System.Logger.Level.WARNING, "Skipped: " + reason);
            Assumptions.abort(reason);
        }
        ChromeOptions options = new ChromeOptions()
                .setBinary(browser.get().toFile())
                .addArguments("--headless=new",
                              "--no-sandbox",               // CI runs as root, where Chromium's sandbox refuses to start
                              "--disable-dev-shm-usage",    // containers often have a tiny /dev/shm
                              "--window-size=1400,2400",
                              "--proxy-server=http://127.0.0.1:9",
                              "--proxy-bypass-list=localhost;127.0.0.1;[::1];" + OTHER_HOST,
                              // A name that is not the loopback's, for pages that behave differently on
                              // localhost (Swagger UI's online validator); still this machine.
                              "--host-resolver-rules=MAP " + OTHER_HOST + " 127.0.0.1",
                              "--no-first-run",
                              "--disable-background-networking",
                              "--disable-component-update",
                              "--disable-sync");
        // Console messages (e.g. Content-Security-Policy refusals) stay readable by the tests.
        options.setCapability("goog:loggingPrefs", java.util.Map.of("browser", "ALL"));
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(driver.get().toFile())
                .usingAnyFreePort()
                .build();
        ChromeDriver chrome = new ChromeDriver(service, options);
        chrome.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
        return chrome;
    }

    /**
     * Saves what the page shows, as a build artifact.
     *
     * @param driver the browser
     * @param name file name without extension
     */
    static void screenshot(WebDriver driver, String name) {
        try {
            Files.createDirectories(SCREENSHOTS);
            Path shot = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE).toPath();
            Files.copy(shot, SCREENSHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * What the pages printed to the console since the last call, e.g. Content-Security-Policy
     * refusals and failed loads.
     *
     * @param driver the browser
     * @return the messages
     */
    static List<String> console(WebDriver driver) {
        return driver.manage().logs().get(LogType.BROWSER).getAll().stream().map(LogEntry::getMessage).toList();
    }

    private static Optional<Path> firstExisting(List<String> candidates, String variable) {
        return Stream.concat(Optional.ofNullable(System.getenv(variable)).stream(), candidates.stream())
                .map(Path::of).filter(Files::isExecutable).findFirst();
    }
}
