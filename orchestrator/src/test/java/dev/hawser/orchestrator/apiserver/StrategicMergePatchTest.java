package dev.hawser.orchestrator.apiserver;

import dev.hawser.orchestrator.api.Json;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

class StrategicMergePatchTest {
    private static JsonNode json(String s) {
        return Json.parse(s.replace('\'', '"').getBytes(StandardCharsets.UTF_8));
    }

    private static void check(String original, String patch, String expected) {
        assertEquals(json(expected), StrategicMergePatch.apply(json(original), json(patch)));
    }

    @Test
    void mapsMergeAndNullDeletes() {
        check("{'a':1,'b':{'c':2,'d':3}}", "{'b':{'c':null,'e':4},'f':5}", "{'a':1,'b':{'d':3,'e':4},'f':5}");
    }

    @Test
    void containersMergeByNameAndKeepUnmentionedFields() {
        check("{'spec':{'containers':[{'name':'a','image':'x','ports':[{'containerPort':80}]},{'name':'b','image':'y'}]}}",
                "{'spec':{'containers':[{'name':'a','image':'x2'}]}}",
                "{'spec':{'containers':[{'name':'a','image':'x2','ports':[{'containerPort':80}]},{'name':'b','image':'y'}]}}");
    }

    @Test
    void envMergesByNameAndPatchDeleteRemovesOne() {
        check("{'env':[{'name':'A','value':'1'},{'name':'B','value':'2'}]}",
                "{'env':[{'name':'A','$patch':'delete'},{'name':'C','value':'3'}]}",
                "{'env':[{'name':'B','value':'2'},{'name':'C','value':'3'}]}");
    }

    @Test
    void servicePortsMergeOnPortAndContainerPortsOnContainerPort() {
        check("{'spec':{'ports':[{'port':80,'targetPort':8080},{'port':443}]}}",
                "{'spec':{'ports':[{'port':80,'targetPort':9090}]}}",
                "{'spec':{'ports':[{'port':80,'targetPort':9090},{'port':443}]}}");
        check("{'containers':[{'name':'a','ports':[{'containerPort':80,'name':'http'}]}]}",
                "{'containers':[{'name':'a','ports':[{'containerPort':80,'protocol':'TCP'}]}]}",
                "{'containers':[{'name':'a','ports':[{'containerPort':80,'name':'http','protocol':'TCP'}]}]}");
    }

    @Test
    void listsWithoutMergeKeyAreReplaced() {
        check("{'command':['a','b'],'args':['x']}", "{'command':['c']}", "{'command':['c'],'args':['x']}");
    }

    @Test
    void setElementOrderReordersAndIsNotStored() {
        check("{'containers':[{'name':'a'},{'name':'b'}]}",
                "{'$setElementOrder/containers':[{'name':'b'},{'name':'a'}],'containers':[{'name':'b','image':'i'}]}",
                "{'containers':[{'name':'b','image':'i'},{'name':'a'}]}");
    }

    @Test
    void patchReplaceAndRetainKeys() {
        check("{'strategy':{'type':'RollingUpdate','rollingUpdate':{'maxSurge':1}}}",
                "{'strategy':{'$retainKeys':['type'],'type':'Recreate'}}",
                "{'strategy':{'type':'Recreate'}}");
        check("{'m':{'a':1,'b':2}}", "{'m':{'$patch':'replace','c':3}}", "{'m':{'c':3}}");
    }

    @Test
    void finalizersMergeAsASetAndDeleteFromPrimitiveList() {
        check("{'finalizers':['a','b']}", "{'finalizers':['b','c']}", "{'finalizers':['a','b','c']}");
        check("{'finalizers':['a','b']}", "{'$deleteFromPrimitiveList/finalizers':['a']}", "{'finalizers':['b']}");
    }

    @Test
    void mergePatchReplacesLists() {
        assertEquals(json("{'a':[3],'b':{'c':1}}"), MergePatch.apply(json("{'a':[1,2],'b':{'c':1,'d':2}}"), json("{'a':[3],'b':{'d':null}}")));
    }
}
