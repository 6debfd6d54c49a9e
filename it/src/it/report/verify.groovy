// report.html written by evaluate, the model card's charts beside it and in the zip, and mvn site's copy of the page.
import java.util.zip.ZipFile

def out = new File(basedir, 'target/finetune')
def page = new File(out, 'report.html')
assert page.isFile()
def html = page.getText('UTF-8')
assert html.contains('class="chart chart-learning-curve"') && html.contains('class="chart chart-confusion"')
assert html.contains('class="chart chart-per-class"') && html.contains('class="chart chart-trials"')
assert html.contains('class="chart chart-scatter"') && html.contains('table class="sortable trials"')
assert html.contains('data-verdict="passed"')
assert html.contains('report &lt;i&gt;IT&lt;/i&gt; 1.0.0-SNAPSHOT') : 'the project name is escaped'
assert !(html =~ /(src|href)="(https?:)?\/\//) : 'nothing loads from the network'

['learning-curve.svg', 'confusion-matrix.svg'].each { name ->
    assert new File(out, name).isFile()
    assert new File(out, 'model-card.md').getText('UTF-8').contains("](${name})")
}
def card = new File(out, 'model-card.md').getText('UTF-8')
assert card.contains('### Confusion matrix') && card.contains('| true / predicted |')
def zip = new ZipFile(new File(basedir, 'target/report-1.0.0-SNAPSHOT-model.zip'))
['finetune/learning-curve.svg', 'finetune/confusion-matrix.svg', 'finetune/model-card.md'].each { entry ->
    assert zip.getEntry(entry) != null : entry
}
assert zip.getInputStream(zip.getEntry('finetune/learning-curve.svg')).bytes == new File(out, 'learning-curve.svg').bytes
zip.close()

def log = new File(basedir, 'build.log').text
assert log =~ /sweep: trial 4 of 4 done, \d+s elapsed, ETA 0s/
assert log.contains('Report: file:') : 'evaluate says where the report is'
log.readLines().findAll { it.startsWith('[INFO] sweep: trial ') }.each { assert it.length() < 120 : it }

def site = new File(basedir, 'target/site/finetune/report.html')
assert site.isFile() && site.bytes == page.bytes : 'mvn site carries the same page'
def reports = new File(basedir, 'target/site/project-reports.html')
assert reports.isFile() && reports.getText("UTF-8").contains("finetune/report.html")
return true
