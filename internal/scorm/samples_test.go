package scorm_test

// Small manifests written for these tests, each showing what one edition
// looks like in the wild: prefixes of any spelling, default namespaces,
// nested items, xml:base, sequencing collections, IMS metadata.

// sample2004Second is CAM 1.3 (2004 2nd Edition): prefixed IMS CP
// elements, a default organization that is not the first, nested items,
// bases at three levels and completionThreshold as element text.
const sample2004Second = `<?xml version="1.0" encoding="UTF-8"?>
<cp:manifest identifier="second" xmlns:cp="http://www.imsglobal.org/xsd/imscp_v1p1"
    xmlns:adl="http://www.adlnet.org/xsd/adlcp_v1p3" xmlns:ss="http://www.imsglobal.org/xsd/imsss"
    xml:base="course/">
  <cp:metadata>
    <cp:schema>ADL SCORM</cp:schema>
    <cp:schemaversion>CAM 1.3</cp:schemaversion>
  </cp:metadata>
  <cp:organizations default="main">
    <cp:organization identifier="alternative">
      <cp:title>Not the default</cp:title>
      <cp:item identifier="alt_1" identifierref="r_intro"><cp:title>Alt</cp:title></cp:item>
    </cp:organization>
    <cp:organization identifier="main">
      <cp:title> Second edition course </cp:title>
      <cp:item identifier="module_1">
        <cp:title>Module one</cp:title>
        <cp:item identifier="intro" identifierref="r_intro" parameters="#part-2">
          <cp:title>Introduction</cp:title>
          <adl:completionThreshold>0.75</adl:completionThreshold>
        </cp:item>
        <cp:item identifier="test" identifierref="r_test" parameters="?attempt=1">
          <cp:title>Test</cp:title>
          <ss:sequencing>
            <ss:objectives>
              <ss:primaryObjective objectiveID="pass" satisfiedByMeasure="true">
                <ss:minNormalizedMeasure>0.6</ss:minNormalizedMeasure>
              </ss:primaryObjective>
            </ss:objectives>
          </ss:sequencing>
        </cp:item>
      </cp:item>
      <cp:item identifier="label_only"><cp:title>A heading without content</cp:title></cp:item>
    </cp:organization>
  </cp:organizations>
  <cp:resources xml:base="content/">
    <cp:resource identifier="r_intro" type="webcontent" adl:scormType="sco" xml:base="lesson1" href="intro.html">
      <cp:file href="intro.html"/>
    </cp:resource>
    <cp:resource identifier="r_test" type="webcontent" adl:scormType="sco" href="test/index.html?mode=exam#top">
      <cp:file href="test/index.html"/>
      <cp:dependency identifierref="r_shared"/>
    </cp:resource>
    <cp:resource identifier="r_shared" type="webcontent" adl:scormType="asset">
      <cp:file href="shared/api.js"/>
    </cp:resource>
  </cp:resources>
</cp:manifest>
`

// sample2004Third is 2004 3rd Edition: default namespace, forced order
// through a sequencingCollection, a passing score by default, metadata in
// LOM and an asset item.
const sample2004Third = `<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="third" xmlns="http://www.imsglobal.org/xsd/imscp_v1p1"
    xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3" xmlns:imsss="http://www.imsglobal.org/xsd/imsss"
    xmlns:lom="http://ltsc.ieee.org/xsd/LOM">
  <metadata>
    <schema>ADL SCORM</schema>
    <schemaversion>2004 3rd Edition</schemaversion>
    <lom:lom>
      <lom:general>
        <lom:title><lom:string language="en">Third edition course</lom:string></lom:title>
        <lom:description><lom:string language="en">Takes ten minutes.</lom:string></lom:description>
      </lom:general>
    </lom:lom>
  </metadata>
  <organizations>
    <organization identifier="org">
      <item identifier="reading" identifierref="r_pdf"><title>Reading</title></item>
      <item identifier="quiz" identifierref="r_quiz" parameters="&amp;lang=fr">
        <title>Quiz</title>
        <adlcp:timeLimitAction>exit,message</adlcp:timeLimitAction>
        <adlcp:dataFromLMS>level=2</adlcp:dataFromLMS>
        <adlcp:completionThreshold>0.5</adlcp:completionThreshold>
        <imsss:sequencing>
          <imsss:objectives>
            <imsss:primaryObjective objectiveID="quiz_passed" satisfiedByMeasure="true"/>
          </imsss:objectives>
        </imsss:sequencing>
      </item>
      <imsss:sequencing IDRef="in_order"/>
    </organization>
  </organizations>
  <resources>
    <resource identifier="r_pdf" type="webcontent" adlcp:scormType="asset" href="reading.pdf"/>
    <resource identifier="r_quiz" type="webcontent" adlcp:scormType="sco" href="quiz.html">
      <file href="quiz.html"/>
    </resource>
  </resources>
  <imsss:sequencingCollection>
    <imsss:sequencing ID="in_order">
      <imsss:controlMode choice="true" flow="true" forwardOnly="true"/>
    </imsss:sequencing>
  </imsss:sequencingCollection>
</manifest>
`

// sample12Prerequisites is SCORM 1.2 told by its namespace alone (no
// schemaversion), with prerequisites between its SCOs, an IMS metadata
// title and an untitled organization.
const sample12Prerequisites = `<?xml version="1.0" encoding="ISO-8859-1"?>
<manifest identifier="prereq" xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
    xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2" xmlns:imsmd="http://www.imsglobal.org/xsd/imsmd_rootv1p2p1">
  <metadata>
    <imsmd:lom><imsmd:general>
      <imsmd:title><imsmd:langstring xml:lang="fr">Cours en deux parties (d` + "\xe9" + `but)</imsmd:langstring></imsmd:title>
    </imsmd:general></imsmd:lom>
  </metadata>
  <organizations default="org">
    <organization identifier="org">
      <item identifier="part1" identifierref="r1" parameters="?chapter=1">
        <title>Part one</title>
        <adlcp:masteryscore>75.5</adlcp:masteryscore>
        <adlcp:datafromlms>part=1</adlcp:datafromlms>
      </item>
      <item identifier="part2" identifierref="r2">
        <title>Part two</title>
        <adlcp:prerequisites type="aicc_script">part1</adlcp:prerequisites>
        <adlcp:maxtimeallowed>01:00:00</adlcp:maxtimeallowed>
        <adlcp:timelimitaction>exit,no message</adlcp:timelimitaction>
      </item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="r1" type="webcontent" adlcp:scormtype="sco" href="part1/index.html?from=lms">
      <file href="part1/index.html"/>
    </resource>
    <resource identifier="r2" type="webcontent" adlcp:scormtype="sco" href="part2/index.html">
      <file href="part2/index.html"/>
    </resource>
  </resources>
</manifest>
`
