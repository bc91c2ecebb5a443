"""A real browser for the console's tests: headless Chromium driven by chromedriver through selenium (Debian's
`chromium` and `chromium-driver`, which `.ci/run` installs), and a folder for the screenshots each test leaves."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from selenium import webdriver
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as seen
from selenium.webdriver.support.ui import WebDriverWait

# Screenshots of each screen, kept after the run (CI keeps the folder as the tests' artifacts).
ARTIFACTS = Path(os.environ.get("NIMBUS_TEST_ARTIFACTS", Path(__file__).resolve().parent / "artifacts"))


def chromium(downloads: Path | None = None) -> webdriver.Chrome:
    """Headless Chromium at a desktop size, saving downloads in `downloads`; fails with a clear message when the
    browser is not installed."""
    driver_path = shutil.which("chromedriver")
    browser_path = shutil.which("chromium") or shutil.which("chromium-browser")
    assert driver_path and browser_path, "the console tests need Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)"
    options = webdriver.ChromeOptions()
    options.binary_location = browser_path
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,900", "--lang=en-US"):
        options.add_argument(argument)
    if downloads is not None:
        options.add_experimental_option("prefs", {"download.default_directory": str(downloads), "download.prompt_for_download": False})
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    driver.set_page_load_timeout(30)
    return driver


def wait(driver: webdriver.Chrome, timeout: float = 15) -> WebDriverWait:
    """Waits for a condition, looking again when the screen redraws under it (a screen replaces its elements when it
    changes), has not drawn the element yet, or the browser is between two pages (ChromeDriver then answers "Node with
    given id does not belong to the document", a plain WebDriverException: CI met it once after a form post)."""
    return WebDriverWait(driver, timeout, ignored_exceptions=(
        StaleElementReferenceException, NoSuchElementException, WebDriverException))


def visible(driver: webdriver.Chrome, css: str, timeout: float = 15):
    return wait(driver, timeout).until(seen.visibility_of_element_located((By.CSS_SELECTOR, css)), f"waiting for {css}")


def screenshot(driver: webdriver.Chrome, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    driver.save_screenshot(str(path))
    return path
